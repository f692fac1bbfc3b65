//! The demo's call center: three seats, the 12345 line and the English line, and the demo
//! agent and supervisor set up to take calls.

use std::collections::BTreeMap;

use crate::callcenter::{AgentSkillsInput, QueueInput, SeatInput};
use crate::{App, Ctx, Error, Result};

/// `(extension, seat name)`.
const SEATS: &[(&str, &str)] = &[("8001", "一号席"), ("8002", "二号席"), ("8003", "三号席")];

/// `(username, skills)`.
const AGENTS: &[(&str, &[(&str, u8)])] =
    &[("agent", &[("lang:zh", 8), ("lang:en", 5)]), ("supervisor", &[("lang:zh", 6)])];

fn queue(name: &str, number: &str, lang: &str) -> QueueInput {
    QueueInput {
        name: name.to_owned(),
        numbers: vec![number.to_owned()],
        skills: Vec::new(),
        min_level: 1,
        lang: Some(lang.to_owned()),
        strategy: None,
        ring_timeout_s: 15,
        wrap_up_s: Some(30),
        busy_delay_s: 10,
        reject_delay_s: 30,
        overflow_after_s: None,
        overflow_skills: Vec::new(),
        open_from: None,
        open_to: None,
        active: true,
    }
}

impl App {
    pub(super) async fn seed_demo_callcenter(&self) -> Result<()> {
        let ctx = Ctx::system();
        for (extension, name) in SEATS {
            let seat = SeatInput { extension: (*extension).to_owned(), name: (*name).to_owned() };
            self.create_seat(&ctx, &seat).await?;
        }
        self.save_queue(&ctx, None, &queue("12345 市民热线", "12345", "zh")).await?;
        let mut english = queue("外语专线 English", "123459", "en");
        english.ring_timeout_s = 20;
        self.save_queue(&ctx, None, &english).await?;
        for (username, skills) in AGENTS {
            let user = hotline_store::users::find_by_username(self.store.reader(), username)
                .await?
                .ok_or(Error::NotFound("user"))?;
            let skills: BTreeMap<String, u8> =
                skills.iter().map(|(s, l)| ((*s).to_owned(), *l)).collect();
            self.set_agent_skills(&ctx, user.id, &AgentSkillsInput { skills }).await?;
        }
        Ok(())
    }
}
