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
        let n = all.iter().filter(|r| r.state == *state).count();
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

both_backends!(generated_tickets_follow_the_lifecycle);

/// `hotline gen` on top of the demo, twice: every ticket lands (numbers carry on each day's
/// sequence rather than reusing the demo's), and every generated ticket's timeline leads to its
/// state.
async fn generated_tickets_follow_the_lifecycle(backend: Backend) {
    use hotline_app::demo::generate::GenOptions;
    use sea_orm::{ConnectionTrait as _, Statement};

    let t = TestApp::spawn(backend).await;
    t.app.seed_demo_tickets().await.expect("seed");
    let db = t.app.store.reader();
    let count = |sql: String| async move {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a count")
    };
    let before = count("SELECT count(*) FROM ticket".to_owned()).await;
    for seed in [1, 2] {
        let options = GenOptions { tickets: 1_500, days: 90, seed, batch: 400, surges: Vec::new() };
        let stats = t.app.generate(options, |_| {}).await.expect("generate");
        assert_eq!(stats.tickets, 1_500);
    }
    assert_eq!(count("SELECT count(*) FROM ticket".to_owned()).await, before + 3_000);
    // The generated tickets, apart from the demo's.
    let generated = "EXISTS (SELECT 1 FROM ticket_event g WHERE g.ticket_id = t.id \
                     AND g.actor_name = 'gen')";
    assert_eq!(count(format!("SELECT count(*) FROM ticket t WHERE {generated}")).await, 3_000);
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM ticket t WHERE {generated} AND (NOT EXISTS \
             (SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id AND e.to_state = t.state) \
             OR (SELECT count(*) FROM ticket_event e WHERE e.ticket_id = t.id) <> t.version + 1)"
        ))
        .await,
        0,
        "a generated ticket whose timeline does not lead to its state"
    );
    assert!(
        count(format!("SELECT count(DISTINCT state) FROM ticket t WHERE {generated}")).await >= 8,
        "generated tickets in most states"
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM ticket t WHERE {generated} AND satisfaction IS NOT NULL \
             AND state NOT IN ('closed', 'archived')"
        ))
        .await,
        0,
        "only closed tickets are rated"
    );
    if backend == Backend::Postgres {
        // Reference tables too: with autovacuum off they would never get statistics.
        let vacuumed = "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('ticket', \
                        'category') AND schemaname = current_schema() AND last_vacuum IS NOT NULL";
        assert_eq!(
            count(vacuumed.to_owned()).await,
            2,
            "gen vacuums, so index-only scans work at once"
        );
    }
    assert!(t.app.verify_audit().await.expect("verify").ok);
}
