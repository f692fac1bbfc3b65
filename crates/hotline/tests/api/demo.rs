use hotline_domain::ticket::TicketState;
use hotline_store::PageRequest;
use hotline_store::tickets::{TicketFilter, TicketSort};

use crate::harness::{Backend, TestApp, both_backends};

both_backends!(demo_tickets_cover_every_state);

async fn demo_tickets_cover_every_state(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    assert_eq!(t.app.seed_demo_tickets().await.expect("seed"), 300);
    assert_eq!(t.app.seed_demo_tickets().await.expect("seed again"), 0, "seeded once");
    let all = hotline_store::tickets::list(
        t.app.store.reader(),
        &TicketFilter::default(),
        TicketSort::Oldest,
        PageRequest { page: 1, per_page: 1000 },
    )
    .await
    .expect("list")
    .items;
    let top: Vec<_> = all.iter().filter(|r| r.parent_id.is_none()).collect();
    assert_eq!(top.len(), 300);
    for state in TicketState::ALL {
        let n = all.iter().filter(|r| r.state == state.as_str()).count();
        assert!(n > 0, "no demo ticket in state {state}");
    }
    assert!(all.iter().any(|r| r.overdue), "overdue");
    assert!(all.iter().any(|r| r.returned_count > 0), "returned");
    assert!(all.iter().any(|r| r.reopened_count > 0), "reopened");
    assert!(
        all.iter()
            .any(|r| r.original_finish_due.is_some() && r.original_finish_due != r.finish_due),
        "extended"
    );
    assert!(all.iter().any(|r| r.parent_id.is_some()), "lead and assisting units");
    assert!(all.iter().any(|r| r.emergency), "emergency");
    assert!(all.iter().any(|r| r.supervision_level > 0), "under supervision");
    let first = all.first().expect("a ticket").created_at;
    let last = all.last().expect("a ticket").created_at;
    assert!((last - first).num_days() >= 55, "spread over the last 60 days");
    assert!(t.app.verify_audit().await.expect("verify").ok);
}
