//! Paged lists: the [`PageLike`] view of a generated page model, and a stream over the items of
//! all pages.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::{Hash as _, Hasher as _};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt as _;
use serde::Serialize;

use super::decode::Item;
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

/// The default most pages one [`PageStream`] fetches (10,000).
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// A stream over the items of all pages of a list; ends after the last page, after
/// `max_items`, or after yielding an error, except an item that could not be decoded: that one is
/// an [`Error::Decode`] with its page and index, and the stream goes on with the next item
/// ([`Error::stream_continues`] tells the two apart).
///
/// It cannot loop: a page whose number does not advance, a page identical to one already seen,
/// and reaching the page limit ([`max_pages`](Self::max_pages), default [`DEFAULT_MAX_PAGES`]) end
/// it with [`Error::Pagination`] after the items before.
pub struct PageStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
    max_pages: Arc<AtomicUsize>,
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
    /// Sets the most pages this stream fetches; fetching more is an [`Error::Pagination`].
    pub fn max_pages(self, pages: usize) -> Self {
        self.max_pages.store(pages, Ordering::Relaxed);
        self
    }

    /// The next item: `None` after the last one, or after an error was returned. No extra crate is
    /// needed: `while let Some(item) = stream.next().await { let item = item?; … }`.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        self.inner.next().await
    }

    /// Collects every item, stopping at the first error (an item that could not be decoded too).
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        while let Some(item) = self.inner.next().await {
            items.push(item?);
        }
        Ok(items)
    }
}

struct State<T, F> {
    operation_id: &'static str,
    fetch: F,
    next_page: Option<i64>,
    /// Items of the current page, with their status, page number and index.
    buffer: VecDeque<(Item<T>, u16, i64, usize)>,
    remaining: Option<usize>,
    max_pages: Arc<AtomicUsize>,
    fetched: usize,
    /// The highest page number the server reported.
    last_number: Option<i64>,
    /// Fingerprints of the pages seen, to notice a server that repeats itself.
    seen: HashSet<u64>,
}

/// A fingerprint of a page's JSON form.
fn fingerprint<P: Serialize>(page: &P) -> Option<u64> {
    let bytes = serde_json::to_vec(page).ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    Some(hasher.finish())
}

/// Why following `page` (fetched as `requested`) would loop, if it would.
fn looping<T, F>(state: &mut State<T, F>, requested: i64, info: &PageInfo, print: Option<u64>) -> Option<String> {
    if let Some(number) = info.number {
        if state.last_number.is_some_and(|last| number <= last) {
            return Some(format!("the server sent page {number} again when asked for page {requested}"));
        }
        state.last_number = Some(number);
    }
    if let Some(print) = print {
        if !state.seen.insert(print) {
            return Some(format!("the server sent the same page again when asked for page {requested}"));
        }
    }
    None
}

/// Streams the items of `operation_id`'s paged list, calling `fetch(page_number)` from
/// `first_page` on; `fetch` returns the response status and the page, whose items are read one by
/// one ([`Item`]).
///
/// Stops after the last page (see [`PageInfo::has_next`]), after `max_items` items, or after
/// yielding an error, including [`Error::Pagination`] when the list would loop or exceeds the
/// page limit. An item that cannot be decoded is yielded as an error and the stream goes on.
pub fn paginate<P, T, F, Fut>(
    operation_id: &'static str,
    first_page: i64,
    max_items: Option<usize>,
    fetch: F,
) -> PageStream<T>
where
    P: PageLike<Item = Item<T>> + Serialize + Send + 'static,
    T: Send + 'static,
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(u16, P), Error>> + Send + 'static,
{
    let max_pages = Arc::new(AtomicUsize::new(DEFAULT_MAX_PAGES));
    let state = State {
        operation_id,
        fetch,
        next_page: Some(first_page),
        buffer: VecDeque::new(),
        remaining: max_items,
        max_pages: Arc::clone(&max_pages),
        fetched: 0,
        last_number: None,
        seen: HashSet::new(),
    };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if state.remaining == Some(0) {
                return None;
            }
            if let Some((item, status, page, index)) = state.buffer.pop_front() {
                if let Some(r) = state.remaining.as_mut() {
                    *r -= 1;
                }
                return Some((item.into_result(state.operation_id, status, page, index), state));
            }
            let page_number = state.next_page.take()?;
            let limit = state.max_pages.load(Ordering::Relaxed);
            let result = if state.fetched >= limit {
                Err(Error::Pagination { message: format!("the page limit of {limit} pages was reached") })
            } else {
                state.fetched += 1;
                (state.fetch)(page_number).await
            };
            let (status, page) = match result {
                Ok(page) => page,
                Err(e) => {
                    state.remaining = Some(0);
                    return Some((Err(e), state));
                }
            };
            let info = page.page_info();
            let print = fingerprint(&page);
            if let Some(message) = looping(&mut state, page_number, &info, print) {
                state.remaining = Some(0);
                return Some((Err(Error::Pagination { message }), state));
            }
            let items = page.into_items();
            if info.has_next(items.len()) {
                let current = info.number.unwrap_or(page_number);
                state.next_page = Some(current.saturating_add(1).max(page_number.saturating_add(1)));
            }
            state.buffer.extend(items.into_iter().enumerate().map(|(i, item)| (item, status, page_number, i)));
        }
    });
    PageStream { inner: Box::pin(stream), max_pages }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestPage(Vec<Item<u32>>, PageInfo);

    fn page(items: Vec<u32>, info: PageInfo) -> Result<(u16, TestPage), Error> {
        Ok((200, TestPage(items.into_iter().map(Item::ok).collect(), info)))
    }

    impl Serialize for TestPage {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            (&self.0, self.1.number, self.1.last).serialize(s)
        }
    }

    impl PageLike for TestPage {
        type Item = Item<u32>;
        fn page_info(&self) -> PageInfo {
            self.1
        }
        fn into_items(self) -> Vec<Item<u32>> {
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
        let stream = paginate("listTest", 0, None, |n| async move {
            let last = n == 2;
            page(
                vec![n as u32 * 10, n as u32 * 10 + 1],
                PageInfo { number: Some(n), last: Some(last), total_pages: None },
            )
        });
        assert_eq!(stream.collect_all().await.unwrap(), vec![0, 1, 10, 11, 20, 21]);
        let capped = paginate("listTest", 0, Some(3), |n| async move {
            page(vec![n as u32; 2], PageInfo { number: Some(n), last: Some(false), total_pages: None })
        });
        assert_eq!(capped.collect_all().await.unwrap(), vec![0, 0, 1]);
    }

    #[tokio::test]
    async fn stops_when_the_server_does_not_advance() {
        // The number is echoed: page 0 forever.
        let echoed = paginate("listTest", 0, None, |_| async move {
            page(vec![1, 2], PageInfo { number: Some(0), last: Some(false), total_pages: None })
        });
        let err = echoed.collect_all().await.unwrap_err();
        assert!(matches!(err, Error::Pagination { .. }), "{err}");
        // No number, and the same items each time.
        let repeated = paginate("listTest", 0, None, |_| async move {
            page(vec![1, 2], PageInfo { number: None, last: None, total_pages: None })
        });
        let mut stream = repeated;
        let mut items = Vec::new();
        let err = loop {
            match stream.next().await {
                Some(Ok(item)) => items.push(item),
                Some(Err(e)) => break e,
                None => panic!("the stream ended without an error"),
            }
        };
        assert_eq!(items, vec![1, 2], "the first page's items are delivered");
        assert!(err.to_string().contains("same page"), "{err}");
        // Numbers advance forever: the page limit stops it.
        let endless = paginate("listTest", 0, None, |n| async move {
            page(vec![n as u32], PageInfo { number: Some(n), last: Some(false), total_pages: None })
        })
        .max_pages(5);
        let mut endless = endless;
        let mut count = 0;
        while let Some(item) = endless.next().await {
            match item {
                Ok(_) => count += 1,
                Err(e) => {
                    assert!(e.to_string().contains("limit of 5 pages"), "{e}");
                    break;
                }
            }
        }
        assert_eq!(count, 5);
    }

    #[tokio::test]
    async fn a_bad_item_is_reported_and_the_stream_goes_on() {
        let stream = paginate("listTest", 0, None, |n| async move {
            let items: Vec<Item<u32>> = serde_json::from_str(if n == 0 { "[1, \"two\", 3]" } else { "[4]" }).unwrap();
            Ok((200, TestPage(items, PageInfo { number: Some(n), last: Some(n == 1), total_pages: None })))
        });
        let mut stream = stream;
        let mut seen = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(v) => seen.push(v.to_string()),
                Err(e) => {
                    assert!(e.stream_continues(), "{e}");
                    let d = e.decode_error().unwrap();
                    assert_eq!(d.item(), Some(super::super::decode::ItemPosition { page: 0, index: 1 }));
                    assert!(e.to_string().contains("listTest") && !e.to_string().contains("two"), "{e}");
                    seen.push("error".into());
                }
            }
        }
        assert_eq!(seen, ["1", "error", "3", "4"]);
    }
}
