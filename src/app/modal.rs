//! Questions from background work that need the operator: trust a host key,
//! a passphrase, a password. Shown one at a time; the answer goes back to the
//! job that asked, and is never kept in State after that.

use super::prompt::{Prompt, PromptKind};
use crate::ssh::Question;

pub struct Modal {
    pub id: u64,
    pub question: Question,
    pub input: Prompt,
}

impl Modal {
    pub fn new(id: u64, question: Question) -> Modal {
        Modal { id, question, input: Prompt::new(PromptKind::Answer, "") }
    }

    pub fn masked(&self) -> bool {
        self.question.secret()
    }
}
