//! Common phrases (常用语): the sentences staff type all day into opinions and replies.

crate::code_enum! {
    /// Where a phrase is offered.
    pub enum PhrasePurpose {
        /// Opinions: dispatch, review, return, urging.
        Opinion = "opinion",
        /// Replies and answers to the citizen.
        Reply = "reply",
        Any = "any",
    }
}

/// Longest phrase, in characters.
pub const MAX_PHRASE_CHARS: usize = 500;
/// Most phrases one person keeps (and most shared ones).
pub const MAX_PHRASES: u64 = 200;
