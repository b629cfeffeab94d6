//! The framework's reactive primitives behind boxed functions. Leptos instantiates an effect's,
//! an action's and an async resource's machinery once per closure and future type (about
//! 0.6–3 KB of wasm each, docs/size.md); boxed, every call site with the same value types shares it.

// The one place that builds them directly (clippy.toml sends every other call site here).
#![allow(clippy::disallowed_methods)]

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;
type LocalActionFn<I, O> = Box<dyn Fn(&I) -> LocalFuture<O>>;

/// `Effect::new(move |_| run())`: one instantiation for every effect that needs no value from
/// its last run.
pub fn effect(run: impl FnMut() + 'static) {
    effect_boxed(Box::new(run));
}

fn effect_boxed(mut run: Box<dyn FnMut()>) {
    Effect::new(move |_| run());
}

/// `Action::new_local(run)`: one instantiation per input and output type.
pub fn local_action<I, O, Fut>(run: impl Fn(&I) -> Fut + 'static) -> Action<I, O>
where
    I: 'static,
    O: 'static,
    Fut: Future<Output = O> + 'static,
{
    local_action_boxed(Box::new(move |input: &I| -> LocalFuture<O> {
        Box::pin(run(input))
    }))
}

fn local_action_boxed<I: 'static, O: 'static>(run: LocalActionFn<I, O>) -> Action<I, O> {
    Action::new_local(move |input: &I| run(input))
}

/// `LocalResource::new(fetch)`: one instantiation per value type.
pub fn local_resource<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> LocalResource<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    local_resource_boxed(Box::new(move || -> LocalFuture<T> { Box::pin(fetch()) }))
}

fn local_resource_boxed<T: 'static>(fetch: Box<dyn Fn() -> LocalFuture<T>>) -> LocalResource<T> {
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
