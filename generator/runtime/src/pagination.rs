//! Paged lists: the [`PageLike`] view of a generated page model, and a stream over the items of
//! all pages.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt as _;

use super::error::Error;

/// Where a page sits in its list, as read from a page model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// The page's number, when the server says.
    pub number: Option<i64>,
    /// Whether it is the last page, when the server says.
    pub last: Option<bool>,
    /// How many pages there are, when the server says.
    pub total_pages: Option<i64>,
}

impl PageInfo {
    /// Whether another page follows a page of `len` items: `last == false`; when `last` is
    /// missing, the page is not empty and `number + 1 < total_pages` (or `total_pages` is unknown).
    pub fn has_next(&self, len: usize) -> bool {
        if len == 0 {
            return false;
        }
        match self.last {
            Some(last) => !last,
            None => match (self.number, self.total_pages) {
                (Some(n), Some(total)) => n.saturating_add(1) < total,
                _ => true,
            },
        }
    }
}

/// A page model: its items and its place in the list. The generator implements this for the page
/// schema the document marks with `x-page`.
pub trait PageLike {
    /// The item type.
    type Item;
    /// The page's place in its list.
    fn page_info(&self) -> PageInfo;
    /// The page's items.
    fn into_items(self) -> Vec<Self::Item>;
}

/// A stream over the items of all pages of a list; ends after the last page, after
/// `max_items`, or after yielding an error.
pub struct PageStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

impl<T> std::fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}

impl<T> Stream for PageStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> PageStream<T> {
    /// The next item: `None` after the last one, or after an error was returned. No extra crate is
    /// needed: `while let Some(item) = stream.next().await { let item = item?; … }`.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        self.inner.next().await
    }

    /// Collects every item, stopping at the first error.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        while let Some(item) = self.inner.next().await {
            items.push(item?);
        }
        Ok(items)
    }
}

struct State<T, F> {
    fetch: F,
    next_page: Option<i64>,
    buffer: VecDeque<T>,
    remaining: Option<usize>,
}

/// Streams the items of a paged list, calling `fetch(page_number)` from `first_page` on.
///
/// Stops after the last page (see [`PageInfo::has_next`]), after `max_items` items, or after
/// yielding an error.
pub fn paginate<P, F, Fut>(first_page: i64, max_items: Option<usize>, fetch: F) -> PageStream<P::Item>
where
    P: PageLike + Send + 'static,
    P::Item: Send + 'static,
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<P, Error>> + Send + 'static,
{
    let state = State { fetch, next_page: Some(first_page), buffer: VecDeque::new(), remaining: max_items };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if state.remaining == Some(0) {
                return None;
            }
            if let Some(item) = state.buffer.pop_front() {
                if let Some(r) = state.remaining.as_mut() {
                    *r -= 1;
                }
                return Some((Ok(item), state));
            }
            let page_number = state.next_page.take()?;
            match (state.fetch)(page_number).await {
                Ok(page) => {
                    let info = page.page_info();
                    let items = page.into_items();
                    if info.has_next(items.len()) {
                        let current = info.number.unwrap_or(page_number);
                        let next = current.saturating_add(1);
                        // Guard against servers that do not advance.
                        if next > page_number {
                            state.next_page = Some(next);
                        }
                    }
                    state.buffer.extend(items);
                }
                Err(e) => {
                    state.next_page = None;
                    state.buffer.clear();
                    state.remaining = Some(0);
                    return Some((Err(e), state));
                }
            }
        }
    });
    PageStream { inner: Box::pin(stream) }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestPage(Vec<u32>, PageInfo);

    impl PageLike for TestPage {
        type Item = u32;
        fn page_info(&self) -> PageInfo {
            self.1
        }
        fn into_items(self) -> Vec<u32> {
            self.0
        }
    }

    #[test]
    fn knows_when_a_page_is_the_last() {
        let info = |number, last, total_pages| PageInfo { number, last, total_pages };
        assert!(info(Some(0), Some(false), None).has_next(2));
        assert!(!info(Some(0), Some(true), None).has_next(2));
        assert!(!info(Some(0), Some(false), None).has_next(0));
        assert!(info(Some(0), None, Some(2)).has_next(1));
        assert!(!info(Some(1), None, Some(2)).has_next(1));
        assert!(info(None, None, None).has_next(1));
    }

    #[tokio::test]
    async fn streams_every_page_in_order() {
        let stream = paginate(0, None, |n| async move {
            let last = n == 2;
            Ok(TestPage(
                vec![n as u32 * 10, n as u32 * 10 + 1],
                PageInfo { number: Some(n), last: Some(last), total_pages: None },
            ))
        });
        assert_eq!(stream.collect_all().await.unwrap(), vec![0, 1, 10, 11, 20, 21]);
        let capped = paginate(0, Some(3), |n| async move {
            Ok(TestPage(vec![n as u32; 2], PageInfo { number: Some(n), last: Some(false), total_pages: None }))
        });
        assert_eq!(capped.collect_all().await.unwrap(), vec![0, 0, 1]);
    }
}
