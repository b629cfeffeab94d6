//! Pages whose code is downloaded when first shown (wasm splitting), so the first page downloads
//! only what it paints. `split_page!` marks a page's code as a chunk of its own; [`lazy_page`]
//! and [`lazy_when`] show it. `split_task!` does the same for an action's code. Without the `split` feature (the browser tests, clippy) the same page is linked in
//! and the load is immediate; the release build (`scripts/build-app.mjs`) splits it out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::ErrorPanel;

/// A page's code could not be downloaded: the network failed, or a newer build replaced it.
#[derive(Clone, Copy, Debug)]
pub struct ChunkUnavailable;

impl ChunkUnavailable {
    /// What the admin is told.
    pub const MESSAGE: &str =
        "A part of Roster could not be downloaded. Check the connection, then try again.";
}

impl From<leptos::wasm_split::SplitLoaderError> for ChunkUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkUnavailable
    }
}

/// `split_page!(chunk, fn loader(args) => view)`: `async fn loader(args) -> Result<ViewBuilder,
/// ChunkUnavailable>` downloads its own chunk of wasm at the first call (a failed download is
/// tried again at the next call, never cached) and answers what builds `view` with code from it.
/// Loaders naming the same chunk share it. Arguments cross into the chunk by value.
macro_rules! split_page {
    ($chunk:ident, $vis:vis fn $loader:ident($($arg:ident: $ty:ty),*) => $view:expr) => {
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $loader($($arg: $ty),*) -> Result<$crate::split::ViewBuilder, $crate::split::ChunkUnavailable> {
            Ok(Box::new(move || ::leptos::prelude::IntoAny::into_any($view)))
        }

        #[cfg(not(feature = "split"))]
        $vis async fn $loader($($arg: $ty),*) -> Result<$crate::split::ViewBuilder, $crate::split::ChunkUnavailable> {
            Ok(Box::new(move || ::leptos::prelude::IntoAny::into_any($view)))
        }
    };
}
pub(crate) use split_page;

/// `split_task!(chunk, fn loader(args) -> T => async body)`: `async fn loader(args) ->
/// Result<Task<T>, ChunkUnavailable>` downloads the chunk and answers the work `body` does, its
/// code in the chunk (an action, such as an export, that the first page offers but need not carry).
macro_rules! split_task {
    ($chunk:ident, $vis:vis fn $loader:ident($($arg:ident: $ty:ty),*) -> $out:ty => $body:expr) => {
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $loader($($arg: $ty),*) -> Result<$crate::split::Task<$out>, $crate::split::ChunkUnavailable> {
            Ok(Box::pin(async move { $body }))
        }
        #[cfg(not(feature = "split"))]
        $vis async fn $loader($($arg: $ty),*) -> Result<$crate::split::Task<$out>, $crate::split::ChunkUnavailable> {
            Ok(Box::pin(async move { $body }))
        }
    };
}
pub(crate) use split_task;

/// Work whose code came with a chunk.
pub type Task<T> = Pin<Box<dyn Future<Output = T>>>;

/// Builds a view with a chunk's code, once the chunk is here. The view is built where it is
/// shown, not in the download's future: its effects and owner are those of the page.
pub type ViewBuilder = Box<dyn FnOnce() -> AnyView>;

/// The `async fn` a `split_page!` defines, boxed so that one copy of [`lazy_view`] serves every
/// chunk.
type Loader = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<ViewBuilder, ChunkUnavailable>>>> + Send + Sync,
>;

fn loader<F, Fut>(load: F) -> Loader
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ViewBuilder, ChunkUnavailable>> + 'static,
{
    Arc::new(move || Box::pin(load()))
}

/// Shows the page `load` builds, once its code is here; until then a line saying it is on its
/// way, and if the download fails, what happened and a way to try again.
pub fn lazy_page<F, Fut>(load: F) -> AnyView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ViewBuilder, ChunkUnavailable>> + 'static,
{
    lazy_view(loader(load), true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Download {
    Running,
    Done,
    Failed,
}

/// `announce`: whether a line says the download is under way (a page does; a part of one, whose
/// download is over before anyone could read it, stays quiet).
fn lazy_view(load: Loader, announce: bool) -> AnyView {
    let download = RwSignal::new(Download::Running);
    let builder = StoredValue::new_local(None::<ViewBuilder>);
    let start = Callback::new(move |()| {
        download.set(Download::Running);
        let load = load.clone();
        spawn_local(async move {
            match load().await {
                Ok(build) => {
                    builder.set_value(Some(build));
                    download.set(Download::Done);
                }
                Err(ChunkUnavailable) => download.set(Download::Failed),
            }
        });
    });
    start.run(());
    (move || match download.get() {
        Download::Running => announce
            .then(|| view! { <p class="roster-loading" role="status">"Loading…"</p> })
            .into_any(),
        Download::Done => builder
            .try_update_value(Option::take)
            .flatten()
            .map(|build| build())
            .into_any(),
        Download::Failed => view! {
            <ErrorPanel
                message="This page could not be downloaded. Check the connection, then try again."
                on_retry=start />
        }
        .into_any(),
    })
    .into_any()
}

/// A part of a page (a dialog, a progress report, actions) whose code is downloaded the first
/// time `wanted` turns true, and kept from then on (so a dialog closes, and gives focus back,
/// like any other). A failed download says so where it would be, with a way to try again.
pub fn lazy_when<F, Fut>(wanted: Signal<bool>, load: F) -> AnyView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ViewBuilder, ChunkUnavailable>> + 'static,
{
    let load = loader(load);
    // Once wanted, always: true from the first time `wanted` is.
    let needed =
        Memo::new(move |before: Option<&bool>| before.copied().unwrap_or(false) || wanted.get());
    (move || needed.get().then(|| lazy_view(load.clone(), false))).into_any()
}
