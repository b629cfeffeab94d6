use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::router::A;

/// One tab of a [`TabList`]; each tab is a route, so it is a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tab {
    pub id: String,
    pub label: String,
    pub href: String,
    /// How many the tab lists, as shown beside its label ("10000+" for a lower bound).
    pub count: Option<String>,
}

/// The ARIA tabs pattern over links: one tab stop, arrow keys and Home/End move between tabs and
/// follow them (automatic activation), and the selected tab names the panel.
#[component]
pub fn TabList(
    #[prop(into)] label: String,
    #[prop(into)] tabs: Signal<Vec<Tab>>,
    #[prop(into)] selected: Signal<String>,
    /// The id of the element with role="tabpanel" that the tabs control.
    #[prop(into)]
    panel_id: String,
) -> impl IntoView {
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let Some(list) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Ok(nodes) = list.query_selector_all("[role=tab]") else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .collect();
        let active = crate::dom::active_element_near(&list);
        let current = items
            .iter()
            .position(|item| active.as_ref().is_some_and(|a| a.is_same_node(Some(item))));
        let (Some(current), false) = (current, items.is_empty()) else {
            return;
        };
        let last = items.len() - 1;
        let target = match ev.key().as_str() {
            "ArrowRight" => {
                if current == last {
                    0
                } else {
                    current + 1
                }
            }
            "ArrowLeft" => {
                if current == 0 {
                    last
                } else {
                    current - 1
                }
            }
            "Home" => 0,
            "End" => last,
            _ => return,
        };
        ev.prevent_default();
        if let Some(item) = items.get(target) {
            let _ = item.focus();
            item.click();
            // A move the host called off leaves the selection where it was: so does the focus
            // (the one tab stop stays the selected tab).
            let selected_id = format!("roster-tab-{}", selected.get_untracked());
            if item.id() != selected_id {
                if let Some(selected_item) = items.iter().find(|item| item.id() == selected_id) {
                    let _ = selected_item.focus();
                }
            }
        }
    };
    let tab_list_panel = panel_id.clone();
    view! {
        <div class="roster-tabs" part="tabs" role="tablist" aria-label=label on:keydown=on_keydown>
            // Keyed by id only, so a tab's element (and its focus) survives changes to its href or count.
            <For each=move || tabs.get() key=|tab| tab.id.clone() let:tab>
                {
                    let id = tab.id.clone();
                    let current = Memo::new(move |_| tabs.read().iter().find(|t| t.id == id).cloned());
                    let id = tab.id.clone();
                    let is_selected = Memo::new(move |_| selected.get() == id);
                    let tab_href = move || current.get().map(|t| t.href).unwrap_or_default();
                    let count = move || current.get().and_then(|t| t.count);
                    view! {
                        <A href={tab_href} {..}
                            id=format!("roster-tab-{}", tab.id)
                            class="roster-tab"
                            role="tab"
                            aria-selected=move || if is_selected.get() { "true" } else { "false" }
                            aria-controls=tab_list_panel.clone()
                            tabindex=move || if is_selected.get() { "0" } else { "-1" }
                        >
                            <span class="roster-tab__label">{tab.label.clone()}</span>
                            {move || count().map(|count| view! { <span class="roster-tab__count">{count}</span> })}
                        </A>
                    }
                }
            </For>
        </div>
    }
}
