//! The framework's reactive primitives behind boxed functions and values. Leptos instantiates an
//! effect's, an action's and an async resource's machinery once per closure, future and value
//! type (about 1.2 KB of wasm per effect and per action's input and answer types, 3 KB per
//! resource's value type: docs/size.md). Boxed, every effect shares one copy; actions and
//! resources hold their values as one type and read them back as their own, so they share one
//! copy each too.

// The one place that builds them directly (clippy.toml sends every other call site here).
#![allow(clippy::disallowed_methods)]

use std::any::Any;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use leptos::prelude::*;
use leptos::reactive::computed::AsyncDerivedFuture;

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// What every action and async resource holds, whatever the type it was made for.
type SharedValue = Arc<dyn Any + Send + Sync>;
/// What every action runs, its input and answer held as `SharedValue`.
type SharedActionFn = Box<dyn Fn(&SharedValue) -> LocalFuture<SharedValue>>;

/// `Effect::new(move |_| run())`: one instantiation for every effect that needs no value from
/// its last run.
pub fn effect(run: impl FnMut() + 'static) {
    effect_boxed(Box::new(run));
}

fn effect_boxed(mut run: Box<dyn FnMut()>) {
    Effect::new(move |_| run());
}

/// `Action<I, O>`, built by `local_action`: its input and answer are held as `SharedValue`, so
/// every action shares one instantiation of the framework's code and only the reading is per
/// type.
pub struct AppAction<I, O> {
    action: Action<SharedValue, SharedValue>,
    types: PhantomData<fn(I) -> O>,
}

impl<I, O> Clone for AppAction<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for AppAction<I, O> {}

impl<I: Send + Sync + 'static, O: Clone + 'static> AppAction<I, O> {
    /// Runs the action on `input`, as `Action::dispatch` does.
    pub fn dispatch(&self, input: I) {
        self.action.dispatch(Arc::new(input));
    }

    /// The answer of the last run that ended (`None` before any has), tracked like
    /// `Action::value`.
    pub fn result(&self) -> Option<O> {
        self.action.value().with(|answer| {
            answer
                .as_ref()
                .and_then(|answer| answer.downcast_ref::<O>().cloned())
        })
    }

    /// `result`, untracked.
    pub fn result_untracked(&self) -> Option<O> {
        self.action.value().with_untracked(|answer| {
            answer
                .as_ref()
                .and_then(|answer| answer.downcast_ref::<O>().cloned())
        })
    }

    /// Whether a run is under way, as `Action::pending`.
    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    /// How many runs have ended, as `Action::version`.
    pub fn version(&self) -> RwSignal<usize> {
        self.action.version()
    }
}

/// `Action::new_local(run)`: one instantiation of the framework's code for every action.
pub fn local_action<I, O, Fut>(run: impl Fn(&I) -> Fut + 'static) -> AppAction<I, O>
where
    I: Send + Sync + 'static,
    O: Send + Sync + 'static,
    Fut: Future<Output = O> + 'static,
{
    AppAction {
        action: local_action_boxed(Box::new(
            move |input: &SharedValue| -> LocalFuture<SharedValue> {
                // `dispatch` sends nothing but an `I` to an `AppAction<I, _>`, so the input is
                // one. (Not a panic, were it ever otherwise: that would abort the wasm instance.)
                match input.downcast_ref::<I>() {
                    Some(input) => {
                        let answer = run(input);
                        Box::pin(async move { Arc::new(answer.await) as SharedValue })
                    }
                    None => Box::pin(std::future::pending()),
                }
            },
        )),
        types: PhantomData,
    }
}

fn local_action_boxed(run: SharedActionFn) -> Action<SharedValue, SharedValue> {
    Action::new_local(move |input: &SharedValue| run(input))
}

/// `LocalResource<T>`, built by `local_resource`: its value is held as `SharedValue` and read
/// back as `T`, so every resource shares one instantiation of the framework's code and only
/// the reading is per type.
pub struct AppResource<T> {
    resource: LocalResource<SharedValue>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for AppResource<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for AppResource<T> {}

impl<T: Clone + 'static> AppResource<T> {
    /// The value once loaded (`None` while the first load runs), tracked like
    /// `LocalResource::get`.
    pub fn get(&self) -> Option<T> {
        self.with(|value| value.cloned())
    }

    /// `read` applied to the value once loaded (`None` while the first load runs), tracked.
    pub fn with<U>(&self, read: impl FnOnce(Option<&T>) -> U) -> U {
        self.resource
            .with(|value| read(value.as_ref().and_then(|value| value.downcast_ref::<T>())))
    }

    /// Subscribes the running effect to the value, as `LocalResource::track` does.
    pub fn track(&self) {
        self.resource.track();
    }

    /// Runs the fetch again.
    pub fn refetch(&self) {
        self.resource.refetch();
    }
}

impl<T: Clone + 'static> IntoFuture for AppResource<T> {
    type Output = T;
    type IntoFuture = AppResourceFuture<T>;

    /// Waits for the value, as awaiting the `LocalResource` does (a `Suspense` or `Transition`
    /// around it waits too).
    fn into_future(self) -> AppResourceFuture<T> {
        AppResourceFuture {
            shared: self.resource.into_future(),
            value: PhantomData,
        }
    }
}

/// What awaiting an `AppResource<T>` waits on.
pub struct AppResourceFuture<T> {
    shared: AsyncDerivedFuture<SharedValue>,
    value: PhantomData<fn() -> T>,
}

impl<T: Clone + 'static> Future for AppResourceFuture<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.shared).poll(cx) {
            // `local_resource` stores nothing but a `T` in an `AppResource<T>`, so the value is one.
            Poll::Ready(value) => match value.downcast_ref::<T>() {
                Some(value) => Poll::Ready(value.clone()),
                None => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

/// `LocalResource::new(fetch)`: one instantiation of the framework's code for every resource.
pub fn local_resource<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> AppResource<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = T> + 'static,
{
    AppResource {
        resource: local_resource_boxed(Box::new(move || -> LocalFuture<SharedValue> {
            let value = fetch();
            Box::pin(async move { Arc::new(value.await) as SharedValue })
        })),
        value: PhantomData,
    }
}

fn local_resource_boxed(
    fetch: Box<dyn Fn() -> LocalFuture<SharedValue>>,
) -> LocalResource<SharedValue> {
    LocalResource::new(fetch)
}

/// `Suspend::new(view)` drawn as an `AnyView`: one instantiation of the suspended view's
/// machinery for every call site.
pub fn suspend<V>(view: impl Future<Output = V> + Send + 'static) -> Suspend<AnyView>
where
    V: IntoView + 'static,
{
    suspend_boxed(Box::pin(async move { view.await.into_any() }))
}

fn suspend_boxed(view: Pin<Box<dyn Future<Output = AnyView> + Send>>) -> Suspend<AnyView> {
    Suspend::new(view)
}
