//! The user lists: each tab shows its kind of user and nothing of other organizations, with search,
//! sorting and keyset paging that stays correct at thousands of users.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    ErrorCode, Organization, Page, Relation, UserDetail, UserIds, UserSummary, UserView,
    ViewCounts, COUNT_CAP, MAX_SELECT_ALL,
};
use roster_server::dataset;
use std::collections::{HashMap, HashSet};

/// A page's users, in its order.
fn page_ids(page: &Page<UserSummary>) -> Vec<i64> {
    page.items.iter().map(|user| user.id).collect()
}

#[tokio::test]
async fn organization_and_counts() {
    let server = demo_server().await;
    let org: Organization = server.get("/api/v1/organization").await;
    assert_eq!(org.name, "Northwind Labs");
    assert!(org.features.bulk_import);
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(
        counts,
        ViewCounts {
            managed: 34,
            external: 8,
            invited: 10,
            imported: 8,
            capped: Vec::new()
        }
    );
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn each_view_lists_its_kind_of_user() {
    let server = demo_server().await;
    let managed = server.users("view=managed&limit=200").await;
    assert_eq!(managed.total, 34);
    assert!(managed
        .items
        .iter()
        .all(|u| u.org_role.is_some() && u.joined_at.is_some() && u.invitation.is_none()));
    assert_eq!(
        managed
            .items
            .iter()
            .filter(|u| u.imported.is_some())
            .count(),
        8
    );

    let external = server.users("view=external&limit=200").await;
    assert_eq!(external.total, 8);
    assert!(external
        .items
        .iter()
        .all(|u| u.org_role.is_none() && u.account_count > 0));

    let invited = server.users("view=invited&limit=200").await;
    assert_eq!(invited.total, 10);
    assert!(invited
        .items
        .iter()
        .all(|u| u.invitation.is_some() && u.org_role.is_none()));
    assert_eq!(
        invited
            .items
            .iter()
            .filter(|u| u.invitation.as_ref().is_some_and(|i| i.expired))
            .count(),
        3
    );
    assert!(invited.items.iter().all(|u| u
        .invitation
        .as_ref()
        .is_some_and(|i| i.invited_by.is_some())));

    let imported = server.users("view=imported&limit=200").await;
    assert_eq!(imported.total, 8);
    assert!(imported
        .items
        .iter()
        .all(|u| u.imported.as_ref().is_some_and(|i| i
            .imported_by
            .as_ref()
            .is_some_and(|by| by.name == "Maya Chen"))));
}

#[tokio::test]
async fn another_organizations_users_never_show() {
    let server = demo_server().await;
    for view in UserView::ALL {
        let page = server
            .users(&format!("view={}&limit=200", view.as_str()))
            .await;
        assert!(
            page.items
                .iter()
                .all(|u| !u.email.ends_with("@globex.example")),
            "{view:?}"
        );
    }
    let scorpio = server.users("view=managed&q=scorpio").await;
    assert_eq!(scorpio.total, 0);
    // Globex's people are not reachable through Northwind by id either.
    let demo = demo_as_inserted();
    let globex_ids: Vec<i64> = demo
        .users
        .iter()
        .filter(|u| u.email.ends_with("@globex.example"))
        .map(|u| u.id)
        .collect();
    assert_eq!(globex_ids.len(), 6);
    for id in globex_ids {
        let (status, body) = server.get_error(&format!("/api/v1/users/{id}")).await;
        assert_eq!(
            (status, body.error.code),
            (StatusCode::NOT_FOUND, ErrorCode::NotFound)
        );
    }
}

#[tokio::test]
async fn search_matches_substrings_of_name_and_email_case_insensitively() {
    let server = demo_server().await;
    let found = server.users("q=MAYA%20ch").await;
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].email, "maya.chen@northwind.example");
    let by_email = server.users("q=northwindlabs.ex").await;
    assert!(by_email.total > 0);
    assert!(by_email
        .items
        .iter()
        .all(|u| u.email.ends_with("@northwindlabs.example")));
    let wildcard = server.users("q=%25").await;
    assert_eq!(
        wildcard.total, 0,
        "a literal % matches nothing, it is not a wildcard"
    );
    // Full-text query syntax typed into the box is text too: no operator, prefix or phrase.
    for typed in [
        "maya%20OR%20chen",
        "chen*",
        "%22maya%22",
        "ma%22ya",
        "ch%25n",
    ] {
        let page = server.users(&format!("q={typed}")).await;
        assert_eq!(
            page.total, 0,
            "{typed} is literal text that nobody's name holds"
        );
    }
    let external = server.users("view=external&q=brightpixel").await;
    assert!(
        external.total > 0
            && external
                .items
                .iter()
                .all(|u| u.email.contains("brightpixel"))
    );
    let blank = server.users("q=%20%20").await;
    assert_eq!(blank.total, 34, "blank search is no search");
}

#[tokio::test]
async fn cursor_paging_has_no_gaps_or_duplicates_in_either_direction() {
    let server = demo_server().await;
    // Searched too: a search's count is of every match, whichever page shows. "an", "n@", "qv",
    // "a.e" and "ana" are in some members' names and addresses and not others' (every address
    // holds an "e", in ".example"). The first four have no trigram: many members hold the first
    // two, which are tested on each user; one holds "qv", and one "a.e", which PostgreSQL looks
    // up by their pairs of characters (many more hold "a." and ".e" apart: the exact test that
    // follows must leave them out); the last is looked up through the trigram index.
    const TERMS: [&str; 5] = ["an", "n@", "qv", "a.e", "ana"];
    let (mut matched, mut passed_over): (HashMap<&str, usize>, HashMap<&str, usize>) =
        Default::default();
    for (view, term) in UserView::ALL.into_iter().flat_map(|view| {
        [(view, "")]
            .into_iter()
            .chain(TERMS.map(|term| (view, term)))
    }) {
        let search = if term.is_empty() {
            String::new()
        } else {
            format!("&q={term}")
        };
        for sort in ["name", "email", "date"] {
            for dir in ["asc", "desc"] {
                let query = format!(
                    "view={}&sort={sort}&dir={dir}{search}&limit=3",
                    view.as_str()
                );
                let everything = server
                    .users(&format!(
                        "view={}&sort={sort}&dir={dir}{search}&limit=200",
                        view.as_str()
                    ))
                    .await;
                if !term.is_empty() {
                    // The searched list is the unsearched one, in its order, less those whose
                    // name and address lack the text.
                    let unsearched = server
                        .users(&format!(
                            "view={}&sort={sort}&dir={dir}&limit=200",
                            view.as_str()
                        ))
                        .await;
                    assert!(
                        unsearched.next_cursor.is_none(),
                        "{query}: one page holds them"
                    );
                    // Row for row, with the same invitation, importer and account count.
                    let holding: Vec<&UserSummary> =
                        unsearched.items.iter().filter(|u| holds(u, term)).collect();
                    assert_eq!(
                        everything.items.iter().collect::<Vec<_>>(),
                        holding,
                        "{query}"
                    );
                    assert_eq!(everything.total, holding.len() as u64, "{query}");
                    if (sort, dir) == ("name", "asc") {
                        // "Select all matching" finds the same matches, by id.
                        let found: UserIds = server
                            .get(&format!("/api/v1/users/ids?view={}{search}", view.as_str()))
                            .await;
                        let mut expected: Vec<i64> = holding.iter().map(|u| u.id).collect();
                        expected.sort_unstable();
                        assert_eq!(found.ids, expected, "{query}: ids");
                        assert_eq!(found.total, holding.len() as u64, "{query}: ids");
                    }
                    if view == UserView::Managed {
                        *matched.entry(term).or_default() += holding.len();
                        *passed_over.entry(term).or_default() +=
                            unsearched.items.len() - holding.len();
                    }
                }
                let pages = server.walk_forward(&query).await;
                let ids: Vec<i64> = pages
                    .iter()
                    .flat_map(|p| p.items.iter().map(|u| u.id))
                    .collect();
                let expected: Vec<i64> = everything.items.iter().map(|u| u.id).collect();
                assert_eq!(ids, expected, "{query}");
                assert_eq!(
                    ids.iter().collect::<HashSet<_>>().len(),
                    ids.len(),
                    "{query}"
                );
                assert_eq!(ids.len() as u64, everything.total, "{query}");
                assert!(pages[0].prev_cursor.is_none(), "{query}");

                // Back from the last page, page by page, to the first.
                let mut back = vec![pages.last().cloned().expect("a page")];
                while let Some(cursor) = back.last().and_then(|p| p.prev_cursor.clone()) {
                    assert!(
                        back.len() <= pages.len(),
                        "{query}: backwards paging does not end"
                    );
                    back.push(server.users(&format!("{query}&cursor={cursor}")).await);
                }
                back.reverse();
                let back_ids: Vec<Vec<i64>> = back
                    .iter()
                    .map(|p| p.items.iter().map(|u| u.id).collect())
                    .collect();
                let forward_ids: Vec<Vec<i64>> = pages
                    .iter()
                    .map(|p| p.items.iter().map(|u| u.id).collect())
                    .collect();
                assert_eq!(back_ids, forward_ids, "{query}");
                for page in pages.iter().chain(&back) {
                    assert_eq!(page.total, everything.total, "{query}: each page's total");
                }
            }
        }
    }

    for term in TERMS {
        assert!(
            matched[term] > 0 && passed_over[term] > 0,
            "{term}: the search must split the Managed list"
        );
    }
    // Read in six orders: one member holds "qv", and one "a.e", fewer than one in 25, so that
    // PostgreSQL takes the index of pairs for them; many hold "an" and "n@", which it tests on
    // each member.
    assert_eq!(matched["qv"], 6, "one member holds qv");
    assert_eq!(matched["a.e"], 6, "one member holds a.e");
    assert!(
        matched["an"].min(matched["n@"]) > 6 * 2,
        "many hold an and n@"
    );

    // A cursor beyond a search's last match (one of the whole list's) shows no rows, and still
    // how many match.
    let all = server.users("view=managed&sort=name&limit=200").await;
    let first = all.items.first().expect("members");
    let last = all.items.last().expect("members");
    let near_end = server
        .users(&format!(
            "view=managed&sort=name&limit={}",
            all.items.len() - 1
        ))
        .await;
    let cursor = near_end.next_cursor.expect("the last member follows");
    let term = first.email.split('@').next().expect("an address");
    let searched = server
        .users(&format!("view=managed&sort=name&q={term}"))
        .await;
    assert!(
        searched.total >= 1 && searched.items.iter().all(|u| u.id != last.id),
        "{term} must match the first member by name and not the last"
    );
    let past = server
        .users(&format!("view=managed&sort=name&q={term}&cursor={cursor}"))
        .await;
    assert!(past.items.is_empty());
    assert_eq!(past.total, searched.total);
}

#[tokio::test]
async fn sorting_orders_rows() {
    let server = demo_server().await;
    let by_email = server.users("sort=email&limit=200").await;
    let emails: Vec<&str> = by_email.items.iter().map(|u| u.email.as_str()).collect();
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);
    let newest_first = server.users("sort=date&dir=desc&limit=200").await;
    let joined: Vec<i64> = newest_first
        .items
        .iter()
        .filter_map(|u| u.joined_at)
        .collect();
    assert!(joined.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn user_detail_shows_roles_per_account() {
    let server = demo_server().await;
    let maya = server.users("q=maya.chen").await.items.remove(0);
    let detail: UserDetail = server.get(&format!("/api/v1/users/{}", maya.id)).await;
    assert_eq!(detail.relation, Some(Relation::Managed));
    assert_eq!(detail.org_role, Some(roster_model::OrgRole::Owner));
    let owned: Vec<&str> = detail
        .accounts
        .iter()
        .filter(|a| a.owner)
        .map(|a| a.account.name.as_str())
        .collect();
    assert_eq!(owned.len(), 4, "{owned:?}");
    assert!(detail.accounts.iter().all(|a| !a.roles.is_empty()));

    let external = server.users("view=external&limit=1").await.items.remove(0);
    let detail: UserDetail = server.get(&format!("/api/v1/users/{}", external.id)).await;
    assert_eq!(detail.relation, Some(Relation::External));
    assert!(detail.org_role.is_none());
    assert!(!detail.accounts.is_empty());

    let invited = server.users("view=invited&limit=1").await.items.remove(0);
    let detail: UserDetail = server.get(&format!("/api/v1/users/{}", invited.id)).await;
    assert_eq!(detail.relation, Some(Relation::Invited));
    assert!(detail.invitation.is_some());
}

#[tokio::test]
async fn generated_organizations_page_through_thousands_of_users() {
    let mut server = server_with(
        |ids| dataset::organization_of_size(ids, 3000, 0, NOW, Some(password_hash())),
        None,
    )
    .await;
    server.sign_in_as("owner@org1.example").await;
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(counts.managed, 2700);
    assert_eq!(counts.external, 120);
    assert_eq!(counts.invited, 90);
    let ids: HashSet<i64> = server
        .walk_forward_ids("view=managed&sort=email&limit=200")
        .await
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 2700);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn broad_searches_and_filters_count_up_to_a_cap_and_say_so() {
    let mut server = server_with(
        |ids| dataset::organization_of_size(ids, 12_000, 0, NOW, Some(password_hash())),
        None,
    )
    .await;
    server.sign_in_as("owner@org1.example").await;
    // Unfiltered: the maintained counts, exact at any size.
    let all = server.users("view=managed&limit=1").await;
    assert_eq!((all.total, all.total_capped), (10_800, false));
    // Every member's email holds "example": counting stops at the cap and says so.
    let broad = server.users("view=managed&q=example&limit=1").await;
    assert_eq!((broad.total, broad.total_capped), (COUNT_CAP, true));
    assert!(broad.next_cursor.is_some());
    let narrow = server.users("view=managed&q=owner%40org1&limit=1").await;
    assert_eq!((narrow.total, narrow.total_capped), (1, false));
    // A term more members hold than the cap is read in the list's order, not cut at the cap
    // first: every member holds these, so each page is the unsearched list's own, forwards and
    // back.
    for q in ["example", "e"] {
        for order in [
            "sort=name&dir=asc",
            "sort=email&dir=desc",
            "sort=date&dir=desc&role=member",
        ] {
            let list = format!("view=managed&{order}&limit=50");
            let plain = server.users(&list).await;
            let searched = server.users(&format!("{list}&q={q}")).await;
            assert_eq!(page_ids(&searched), page_ids(&plain), "{q} {order}");
            assert_eq!((searched.total, searched.total_capped), (COUNT_CAP, true));
            let next = searched.next_cursor.clone().expect("a second page");
            let second = server.users(&format!("{list}&q={q}&cursor={next}")).await;
            let plain_second = server.users(&format!("{list}&cursor={next}")).await;
            assert_eq!(
                page_ids(&second),
                page_ids(&plain_second),
                "{q} {order}, page 2"
            );
            assert_eq!(second.items.len(), 50);
            let back = second.prev_cursor.clone().expect("a way back");
            let first_again = server.users(&format!("{list}&q={q}&cursor={back}")).await;
            assert_eq!(
                page_ids(&first_again),
                page_ids(&plain),
                "{q} {order}, back to page 1"
            );
        }
    }
    // Every page to the last, where fewer users are left than a page and one more: on
    // PostgreSQL the walk of the order reaches the end of the list, and its rows are the page.
    let searched = server
        .walk_forward("view=managed&sort=email&limit=200&q=example")
        .await;
    let plain = server
        .walk_forward("view=managed&sort=email&limit=200")
        .await;
    assert_eq!(searched.len(), plain.len());
    for (searched, plain) in searched.iter().zip(&plain) {
        assert_eq!(page_ids(searched), page_ids(plain));
    }
    let counts: ViewCounts = server.get("/api/v1/users/counts?status=active").await;
    assert_eq!(counts.capped, vec![UserView::Managed]);
    assert_eq!(counts.managed, COUNT_CAP);
    assert!(counts.at_least(UserView::Managed));
    assert!(!counts.at_least(UserView::Invited));
    assert!(counts.invited < COUNT_CAP);
    // "Select all matching": the maintained count unfiltered, counted up to the cap otherwise.
    let tabs: ViewCounts = server.get("/api/v1/users/counts").await;
    assert!(tabs.invited > 0);
    for (query, expected) in [
        ("view=managed", (10_800, false, MAX_SELECT_ALL)),
        ("view=managed&q=example", (COUNT_CAP, true, MAX_SELECT_ALL)),
        ("view=managed&q=owner%40org1", (1, false, 1)),
        ("view=invited", (tabs.invited, false, tabs.invited as usize)),
    ] {
        let found: UserIds = server.get(&format!("/api/v1/users/ids?{query}")).await;
        assert_eq!(
            (found.total, found.total_capped, found.ids.len()),
            expected,
            "{query}"
        );
    }
}

/// A term more members hold than the cap, none of them among the users the bounded walk of the
/// order reads: all but the first 500 members by name take a family name with an "ö", which
/// sorts after every plain letter. On PostgreSQL no index narrows one letter, so the page is read
/// in the list's order with no bound (`reading_past_a_walk`); it must be the list's own, forwards
/// and back.
#[tokio::test]
async fn a_broad_term_held_only_far_along_the_order_pages_as_the_list_does() {
    const FAR_FAMILIES: [&str; 3] = ["Öberg", "Östlund", "Öztürk"];
    const NEAR: usize = 500;
    let mut server = server_with(
        |ids| {
            let mut data =
                dataset::organization_of_size(ids, 12_000, 0, NOW, Some(password_hash()));
            let members = data.users.iter_mut().filter(|u| u.membership.is_some());
            for (i, member) in members.enumerate().skip(NEAR) {
                member.family_name = FAR_FAMILIES[i % FAR_FAMILIES.len()].to_owned();
            }
            data
        },
        None,
    )
    .await;
    server.sign_in_as("owner@org1.example").await;
    // The unsearched list by name, to the first far members (pages of 200 users).
    let mut plain = Vec::new();
    let mut cursor = String::new();
    while plain.len() < NEAR + 2 {
        let page = server
            .users(&format!("view=managed&sort=name&limit=200{cursor}"))
            .await;
        plain.extend(page_ids(&page));
        cursor = format!("&cursor={}", page.next_cursor.expect("more members"));
    }
    // A page of one: the walk reads 400 users, all before the far members.
    let list = "view=managed&sort=name&limit=1&q=%C3%B6";
    let first = server.users(list).await;
    assert_eq!(
        page_ids(&first),
        [plain[NEAR]],
        "the first holder in the order"
    );
    assert_eq!((first.total, first.total_capped), (COUNT_CAP, true));
    assert!(first.prev_cursor.is_none());
    let next = first.next_cursor.clone().expect("a second page");
    let second = server.users(&format!("{list}&cursor={next}")).await;
    assert_eq!(page_ids(&second), [plain[NEAR + 1]]);
    let back = second.prev_cursor.clone().expect("a way back");
    let first_again = server.users(&format!("{list}&cursor={back}")).await;
    assert_eq!(
        page_ids(&first_again),
        page_ids(&first),
        "back to the first holder"
    );
    assert!(
        first_again.prev_cursor.is_none(),
        "nobody before it holds the term"
    );
}

#[tokio::test]
async fn search_agrees_with_a_plain_substring_filter() {
    let server = demo_server().await;
    let everyone = server.users("view=managed&limit=200").await.items;
    for q in [
        "ch",
        "c",
        "chen",
        "NORTHWIND",
        "o'brien",
        "müller",
        "ü",
        "garcía",
        ".example",
        "_",
        "%",
        "a_b",
        "_a",
        "%%",
        "___",
        "a.b",
        "\\",
        "zzz",
    ] {
        let needle = q.to_lowercase();
        let mut expected: Vec<i64> = everyone
            .iter()
            .filter(|u| holds(u, &needle))
            .map(|u| u.id)
            .collect();
        expected.sort();
        let encoded: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        let mut found: Vec<i64> = server
            .users(&format!("view=managed&limit=200&q={encoded}"))
            .await
            .items
            .iter()
            .map(|u| u.id)
            .collect();
        found.sort();
        assert_eq!(found, expected, "q={q}");
    }
}

/// An edit already under way when its admin is demoted changes nothing: the store reads the
/// admin's standing again inside the change, as every other change to a member does.
#[tokio::test]
async fn an_edit_under_way_when_its_admin_was_demoted_changes_nothing() {
    use roster_server::store::{Acting, Actor, Credential, StoreError};
    let server = demo_server().await;
    let daniel = id_of("daniel.okafor@northwind.example");
    // The request passed its checks while Daniel was an Administrator…
    let credential = Credential::HostToken;
    let actor = Actor {
        org_id: 1,
        acting: Acting::Member {
            user_id: daniel,
            credential: &credential,
        },
        role: roster_model::OrgRole::Administrator,
        label: "Daniel Okafor",
        client_addr: "127.0.0.1",
        at: server.now(),
    };
    // …and Maya made him a Member before it wrote.
    let (status, body) = server
        .patch_as_read(daniel, serde_json::json!({"org_role": "member"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (sam, _) = server.detail(id_of(MEMBER)).await;
    let change = roster_model::UserChange {
        given_name: Some("Changed".to_owned()),
        family_name: None,
        org_role: None,
    };
    let outcome = server
        .state
        .store
        .update_user(&actor, sam.id, sam.version, &change)
        .await;
    assert!(
        matches!(outcome, Err(StoreError::NoLongerActs)),
        "{outcome:?}"
    );
    let (after, _) = server.detail(sam.id).await;
    assert_eq!(after.given_name, sam.given_name);
}
