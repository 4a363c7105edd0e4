//! Iterators over a `Receiver` (Go's `for v := range ch`).

use super::receiver::Receiver;

/// Blocking iterator; ends when the channel is closed and drained.
#[derive(Debug)]
pub struct Iter<'a, T> {
    pub(crate) rx: &'a Receiver<T>,
}

/// Non-blocking iterator; ends at the first empty (or closed) receive.
#[derive(Debug)]
pub struct TryIter<'a, T> {
    pub(crate) rx: &'a Receiver<T>,
}

/// Owning blocking iterator.
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}
