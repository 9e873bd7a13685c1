//! Argon2's working memory, lent by the caller: a server that runs hash after hash hands one
//! block from each to the next instead of allocating a fresh one every time (the portal's
//! hasher does, `auth::password`), and the allocator then never holds several at once.
use argon2::{Block, Params};

/// Memory for Argon2, grown to what each run needs.
pub type Memory = Vec<Block>;

/// `memory` grown, if it must be, to the blocks `params` work in; those blocks.
pub fn blocks_for<'a>(memory: &'a mut Memory, params: &Params) -> &'a mut [Block] {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    &mut memory[..blocks]
}
