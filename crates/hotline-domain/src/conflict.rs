//! Why a valid request cannot be done in the current state (409): one code list for every
//! entry point, translated by the console.

crate::code_enum! {
    pub enum Conflict {
        /// The action is not possible in the ticket's state.
        InvalidTransition = "invalid_transition",
        /// Someone changed the record meanwhile; read it again.
        ConcurrentUpdate = "concurrent_update",
        /// The idempotency key was used for a different request.
        IdempotencyKeyReused = "idempotency_key_reused",
        /// Assisting units have not replied yet.
        ChildrenNotReplied = "children_not_replied",
        /// An extension is asked for before the deadline, not after.
        ExtensionTooLate = "extension_too_late",
        /// A ticket with assisting units' tickets cannot be merged.
        HasChildren = "has_children",
        /// The org still has active child orgs or users.
        OrgInUse = "org_in_use",
        TotpAlreadyEnabled = "totp_already_enabled",
        TotpSetupRequired = "totp_setup_required",
        /// A month's bulletin is published once and then stands.
        AlreadyPublished = "already_published",
        /// The unit has an appeal on this ticket pending or approved already.
        AppealExists = "appeal_exists",
        /// The appeal was decided already.
        AppealDecided = "appeal_decided",
        /// Another agent is logged in at this seat.
        SeatTaken = "seat_taken",
        /// The agent's state does not allow it (hold without a call, ready while logged out).
        AgentState = "agent_state",
    }
}
