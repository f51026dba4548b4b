//! The allocator: mimalloc for over-aligned blocks, the system's for the rest.
//!
//! A million spawned tasks (`task-wait-n`) are a million 128-byte-aligned allocations, which
//! mimalloc serves in a quarter of the time and 60% of the memory of the system allocator
//! (see BENCHMARKS.md). Everything else (the timers of `wait-n` and `measure-time`, sixteen
//! to a block, the lists of delays, the reports) goes to the system allocator, which holds a
//! million timers in 105 MB where mimalloc, with its arenas, holds them in 127 MB.

use std::alloc::{GlobalAlloc, Layout, System};

use mimalloc::MiMalloc;

/// The alignment the system allocator gives every block anyway: above it, mimalloc serves.
const SYSTEM_ALIGN: usize = 16;

/// Sends each block to one allocator by its alignment, which a block keeps for its life (a
/// reallocation keeps its layout's alignment), so a block is always freed where it was made.
pub struct ByAlignment;

// SAFETY: every call is forwarded, unchanged, to one of two allocators that implement
// `GlobalAlloc` soundly; which one depends only on the layout's alignment, and `dealloc` and
// `realloc` receive the layout the block was allocated with, so a block is always returned to
// the allocator that made it.
unsafe impl GlobalAlloc for ByAlignment {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are passed on unchanged.
        unsafe {
            if layout.align() > SYSTEM_ALIGN {
                MiMalloc.alloc(layout)
            } else {
                System.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if layout.align() > SYSTEM_ALIGN {
                MiMalloc.alloc_zeroed(layout)
            } else {
                System.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated with `layout`, so by the allocator this one picks.
        unsafe {
            if layout.align() > SYSTEM_ALIGN {
                MiMalloc.dealloc(ptr, layout);
            } else {
                System.dealloc(ptr, layout);
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated with `layout`, so by the allocator this one picks, and
        // the new block keeps the alignment.
        unsafe {
            if layout.align() > SYSTEM_ALIGN {
                MiMalloc.realloc(ptr, layout, new_size)
            } else {
                System.realloc(ptr, layout, new_size)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_every_alignment_are_made_grown_and_freed() {
        for align in [1, 8, 16, 32, 128, 4096] {
            let layout = Layout::from_size_align(24, align).unwrap();
            // SAFETY: a non-zero size, and each block is freed once, with its own layout.
            unsafe {
                let block = ByAlignment.alloc_zeroed(layout);
                assert!(!block.is_null());
                assert_eq!(block.align_offset(align), 0);
                assert_eq!(*block, 0);
                block.write(7);
                let grown = ByAlignment.realloc(block, layout, 1000);
                assert_eq!((grown.align_offset(align), *grown), (0, 7));
                ByAlignment.dealloc(grown, Layout::from_size_align(1000, align).unwrap());
            }
        }
    }
}
