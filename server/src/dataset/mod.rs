//! Generated organizations: the demo organization `make run` starts with, and organizations of any
//! size for benchmarks (`roster-server seed --users N`). Generation is pure and deterministic (a seeded
//! RNG); `Store::insert_dataset` writes the result.

mod names;

use std::collections::{HashMap, HashSet};

use crate::store::{
    Dataset, IdBase, Membership, NewAccess, NewAccount, NewDomain, NewInvitation, NewOrg, NewUser,
};
use crate::two_factor;
use names::{DEMO_ACCOUNTS, EXTERNAL_DOMAINS, FAMILY_NAMES, GIVEN_NAMES};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use roster_model::{
    AccountRole, AccountStatus, DomainState, OrgRole, RoleSet, Timestamp, UserStatus,
};

const DAY: i64 = 86_400;
/// Invitations expire this long after they are sent.
pub const INVITATION_LIFETIME: i64 = 7 * DAY;

struct Generator {
    rng: StdRng,
    ids: IdBase,
    now: Timestamp,
    emails: HashSet<String>,
    /// Per plain address (`given.family@domain`), the number to try next after it: trying 2, 3, …
    /// afresh for every namesake made a million-user organization take minutes to generate.
    next_number: HashMap<String, u32>,
    /// (account, user) pairs already granted, so nobody gets two access rows on one account.
    granted: HashSet<(i64, i64)>,
    data: Dataset,
}

impl Generator {
    fn new(seed: u64, ids: IdBase, now: Timestamp) -> Self {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            ids,
            now,
            emails: HashSet::new(),
            next_number: HashMap::new(),
            granted: HashSet::new(),
            data: Dataset::default(),
        }
    }

    fn ago(&mut self, min_days: i64, max_days: i64) -> Timestamp {
        self.now - self.rng.gen_range(min_days * DAY..=max_days * DAY)
    }

    fn org(&mut self, name: &str, bulk_import: bool) -> i64 {
        let id = self.ids.org;
        self.ids.org += 1;
        let created_at = self.ago(900, 1500);
        self.data.orgs.push(NewOrg {
            id,
            name: name.to_owned(),
            bulk_import,
            created_at,
        });
        id
    }

    fn token(&mut self) -> String {
        (0..32)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz234567"[self.rng.gen_range(0..32)]))
            .collect()
    }

    fn domain(&mut self, org_id: i64, name: &str, state: DomainState) {
        let id = self.ids.domain;
        self.ids.domain += 1;
        let created_at = self.ago(300, 800);
        // Checked within the last half day, so the daily re-check leaves fresh data alone.
        let checked = self.ago(0, 1).max(self.now - DAY / 2);
        let token = self.token();
        self.data.domains.push(NewDomain {
            id,
            org_id,
            name: name.to_owned(),
            state,
            token,
            created_at,
            verified_at: (state == DomainState::Verified).then_some(created_at + DAY),
            last_checked_at: (state != DomainState::Pending).then_some(checked),
        });
    }

    fn random_name(&mut self) -> (String, String) {
        let given = GIVEN_NAMES.choose(&mut self.rng).copied().unwrap_or("Alex");
        let family = FAMILY_NAMES
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("Smith");
        (given.to_owned(), family.to_owned())
    }

    /// A unique address on `domain` for the person, ASCII-folded ("tomás.garcía" → "tomas.garcia").
    fn email_for(&mut self, given: &str, family: &str, domain: &str) -> String {
        let local = format!("{}.{}", ascii_fold(given), ascii_fold(family));
        let plain = format!("{local}@{domain}");
        let mut number = self.next_number.get(&plain).copied().unwrap_or(1);
        loop {
            let email = if number == 1 {
                plain.clone()
            } else {
                format!("{local}{number}@{domain}")
            };
            number += 1;
            if self.emails.insert(email.clone()) {
                self.next_number.insert(plain, number);
                return email;
            }
        }
    }

    /// An active user who has signed in, optionally a member of `org`.
    fn person(&mut self, domain: &str, membership: Option<(i64, OrgRole)>) -> i64 {
        let (given, family) = self.random_name();
        self.named_person(&given, &family, domain, membership)
    }

    fn named_person(
        &mut self,
        given: &str,
        family: &str,
        domain: &str,
        membership: Option<(i64, OrgRole)>,
    ) -> i64 {
        let id = self.ids.user;
        self.ids.user += 1;
        let email = self.email_for(given, family, domain);
        let created_at = self.ago(60, 1200);
        let joined_at = created_at + self.rng.gen_range(0..30 * DAY);
        let totp_enrolled = self.rng.gen_bool(0.55);
        let totp_secret = totp_enrolled.then(|| two_factor::demo_secret(&email));
        let two_factor_required = totp_enrolled || self.rng.gen_bool(0.15);
        let last_sign_in_at = Some(self.ago(0, 40));
        self.data.users.push(NewUser {
            id,
            email,
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            status: UserStatus::Active,
            totp_secret,
            two_factor_required,
            created_at,
            last_sign_in_at,
            password_hash: None,
            membership: membership.map(|(org_id, role)| Membership {
                org_id,
                role,
                joined_at: joined_at.min(self.now),
                imported_by: None,
            }),
        });
        id
    }

    /// Someone invited by email who has no user yet: the invitation creates one, with no name.
    fn invitee(&mut self, domain: &str) -> i64 {
        let id = self.ids.user;
        self.ids.user += 1;
        let (given, family) = self.random_name();
        let email = self.email_for(&given, &family, domain);
        let created_at = self.ago(1, 20);
        self.data.users.push(NewUser {
            id,
            email,
            given_name: String::new(),
            family_name: String::new(),
            status: UserStatus::Invited,
            totp_secret: None,
            two_factor_required: false,
            created_at,
            last_sign_in_at: None,
            membership: None,
            password_hash: None,
        });
        id
    }

    fn account(&mut self, org_id: i64, name: &str, owner_id: i64) -> i64 {
        let id = self.ids.account;
        self.ids.account += 1;
        let sid = format!("AC{:032x}", self.rng.gen::<u128>());
        let status = match self.rng.gen_range(0..20) {
            0 => AccountStatus::Suspended,
            1 => AccountStatus::Closed,
            _ => AccountStatus::Active,
        };
        let created_at = self.ago(200, 900);
        self.data.accounts.push(NewAccount {
            id,
            sid,
            org_id,
            name: name.to_owned(),
            status,
            owner_id,
            created_at,
        });
        self.grant(
            id,
            owner_id,
            RoleSet::from_roles([AccountRole::Administrator]),
        );
        id
    }

    fn grant(&mut self, account_id: i64, user_id: i64, roles: RoleSet) {
        if !self.granted.insert((account_id, user_id)) {
            return;
        }
        let granted_at = self.ago(1, 200);
        self.data.access.push(NewAccess {
            account_id,
            user_id,
            roles,
            granted_at,
        });
    }

    fn random_roles(&mut self) -> RoleSet {
        match self.rng.gen_range(0..10) {
            0 | 1 => RoleSet::from_roles([AccountRole::Administrator]),
            2 => RoleSet::from_roles([AccountRole::Developer, AccountRole::BillingManager]),
            3 => RoleSet::from_roles([AccountRole::BillingManager]),
            4 => RoleSet::from_roles([AccountRole::Support]),
            5 => RoleSet::from_roles([AccountRole::Administrator, AccountRole::Support]),
            _ => RoleSet::from_roles([AccountRole::Developer]),
        }
    }

    /// Grants `user` 1..=max distinct accounts among `accounts` (ones they already hold are kept as they are).
    fn grant_some(&mut self, user_id: i64, accounts: &[i64], max: usize) {
        let count = self.rng.gen_range(1..=max.min(accounts.len()).max(1));
        let chosen: Vec<i64> = accounts
            .choose_multiple(&mut self.rng, count)
            .copied()
            .collect();
        for account_id in chosen {
            let roles = self.random_roles();
            self.grant(account_id, user_id, roles);
        }
    }

    /// Gives every active user generated so far (and not yet given one) this password hash.
    fn set_passwords(&mut self, hash: &str) {
        for user in &mut self.data.users {
            if user.status == UserStatus::Active && user.password_hash.is_none() {
                user.password_hash = Some(hash.to_owned());
            }
        }
    }

    fn mark_imported(&mut self, user_id: i64, by: i64) {
        // Users are pushed in id order, so a binary search finds one (a scan per call made a
        // 1,000,000-user organization take minutes to generate).
        let Ok(index) = self.data.users.binary_search_by_key(&user_id, |u| u.id) else {
            return;
        };
        if let Some(membership) = self.data.users[index].membership.as_mut() {
            membership.imported_by = Some(by);
        }
    }

    fn invite(
        &mut self,
        org_id: i64,
        user_id: i64,
        invited_by: i64,
        expired: bool,
        accounts: &[i64],
    ) {
        let id = self.ids.invitation;
        self.ids.invitation += 1;
        let sent_at = if expired {
            self.ago(9, 30)
        } else {
            self.ago(0, 5)
        };
        let last_sent_at = self
            .rng
            .gen_bool(0.3)
            .then(|| sent_at + self.rng.gen_range(DAY / 2..DAY));
        let count = self.rng.gen_range(1..=2.min(accounts.len()).max(1));
        let chosen: Vec<i64> = accounts
            .choose_multiple(&mut self.rng, count)
            .copied()
            .collect();
        let accounts = chosen
            .into_iter()
            .map(|a| (a, self.random_roles()))
            .collect();
        self.data.invitations.push(NewInvitation {
            demo_token: expired.then(|| demo_invitation_token(id)),
            id,
            org_id,
            user_id,
            invited_by,
            sent_at,
            last_sent_at,
            expires_at: last_sent_at.unwrap_or(sent_at) + INVITATION_LIFETIME,
            accounts,
        });
    }
}

/// The link token of expired demo invitation `id`: `/accept/demo-expired-<id>` shows what an
/// expired link looks like.
pub fn demo_invitation_token(id: i64) -> String {
    format!("demo-expired-{id}")
}

/// "Tomás" → "tomas": email local parts in the generated data stay ASCII.
fn ascii_fold(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'â' | 'ä' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'í' | 'ì' | 'î' | 'ï' => Some('i'),
            'ó' | 'ò' | 'ô' | 'ö' => Some('o'),
            'ú' | 'ù' | 'û' | 'ü' => Some('u'),
            'ñ' => Some('n'),
            '\'' | ' ' => None,
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// The demo Owner and Member that `serve --demo` prints sign-in details for.
pub const DEMO_OWNER_EMAIL: &str = "maya.chen@northwind.example";
pub const DEMO_MEMBER_EMAIL: &str = "sam.taylor@northwind.example";
/// A demo Administrator enrolled in two-factor with `two_factor::demo_secret` of this email.
pub const DEMO_TWO_FACTOR_EMAIL: &str = "daniel.okafor@northwind.example";
/// A demo Administrator who signs in with a password only.
pub const DEMO_ADMIN_EMAIL: &str = "priya.raman@northwindlabs.example";

/// The demo: Northwind Labs (the organization the console shows) with every kind of user, and a
/// second organization whose people must never show up in Northwind's lists. Every active user
/// signs in with the password whose hash is `password_hash`.
pub fn demo(ids: IdBase, now: Timestamp, password_hash: &str) -> Dataset {
    let mut g = Generator::new(7, ids, now);
    let org = g.org("Northwind Labs", true);
    g.domain(org, "northwind.example", DomainState::Verified);
    g.domain(org, "northwindlabs.example", DomainState::Verified);
    g.domain(org, "nwl-marketing.example", DomainState::Pending);
    g.domain(org, "old-northwind.example", DomainState::Failed);

    let owner = g.named_person(
        "Maya",
        "Chen",
        "northwind.example",
        Some((org, OrgRole::Owner)),
    );
    let admin = g.named_person(
        "Daniel",
        "Okafor",
        "northwind.example",
        Some((org, OrgRole::Administrator)),
    );
    let admin2 = g.named_person(
        "Priya",
        "Raman",
        "northwindlabs.example",
        Some((org, OrgRole::Administrator)),
    );
    let member = g.named_person(
        "Sam",
        "Taylor",
        "northwind.example",
        Some((org, OrgRole::Member)),
    );
    let mut members = vec![owner, admin, admin2, member];
    for i in 0..30 {
        let domain = if i % 4 == 0 {
            "northwindlabs.example"
        } else {
            "northwind.example"
        };
        members.push(g.person(domain, Some((org, OrgRole::Member))));
    }
    for &user in &members[26..34] {
        g.mark_imported(user, owner);
    }

    let owners = [
        owner, owner, owner, admin, admin, admin2, members[5], members[6], members[7], admin2,
        members[9], owner,
    ];
    let accounts: Vec<i64> = DEMO_ACCOUNTS
        .iter()
        .zip(owners)
        .map(|(name, owner_id)| g.account(org, name, owner_id))
        .collect();
    for &user in &members {
        g.grant_some(user, &accounts, 3);
    }

    for i in 0..8 {
        let external = g.person(EXTERNAL_DOMAINS[i % EXTERNAL_DOMAINS.len()], None);
        g.grant_some(external, &accounts, 2);
    }

    // Seven new people and three existing users of the system; three invitations have expired.
    for i in 0..7 {
        let invitee = g.invitee(if i % 3 == 0 {
            "northwindlabs.example"
        } else {
            "northwind.example"
        });
        g.invite(
            org,
            invitee,
            if i % 2 == 0 { owner } else { admin },
            i < 2,
            &accounts,
        );
    }
    for i in 0..3 {
        let existing = g.person("northwind.example", None);
        g.invite(org, existing, admin2, i == 0, &accounts);
    }

    // Existing users on a verified domain who are not members yet: the ones bulk import offers
    // (on both verified domains, which the offer lists as one).
    for i in 0..6 {
        g.person(
            if i % 2 == 0 {
                "northwindlabs.example"
            } else {
                "northwind.example"
            },
            None,
        );
    }

    let globex = g.org("Globex Corporation", false);
    g.domain(globex, "globex.example", DomainState::Verified);
    let globex_owner = g.named_person(
        "Hank",
        "Scorpio",
        "globex.example",
        Some((globex, OrgRole::Owner)),
    );
    let globex_accounts = [
        g.account(globex, "Globex Production", globex_owner),
        g.account(globex, "Globex Research", globex_owner),
    ];
    for _ in 0..5 {
        let member = g.person("globex.example", Some((globex, OrgRole::Member)));
        g.grant_some(member, &globex_accounts, 2);
    }
    g.set_passwords(password_hash);
    for user in &mut g.data.users {
        if [owner, member, admin2, globex_owner].contains(&user.id) {
            // The people the demo tells you to sign in as: password only. Daniel Okafor keeps
            // two-factor, with the demo secret `make run` prints.
            user.totp_secret = None;
            user.two_factor_required = false;
        }
        if user.id == admin {
            user.totp_secret = Some(two_factor::demo_secret(&user.email));
            user.two_factor_required = true;
        }
    }
    g.data
}

/// One organization of `users` people for benchmarks: about 90% managed (a few Owners and
/// Administrators), 4% external, 3% invited and 3% existing users that bulk import would offer,
/// plus `extra_importable` more of those. Its Owner is `owner@org<id>.example`, signing in with
/// `owner_password_hash` when given.
pub fn organization_of_size(
    ids: IdBase,
    users: u64,
    extra_importable: u64,
    now: Timestamp,
    owner_password_hash: Option<&str>,
) -> Dataset {
    let mut g = Generator::new(ids.org as u64, ids, now);
    let org = g.org(&format!("Generated Organization {}", ids.org), true);
    let domain = format!("org{}.example", ids.org);
    let partner_domain = format!("partners-of-org{}.example", ids.org);
    g.domain(org, &domain, DomainState::Verified);

    let users = users.max(1);
    let externals = users * 4 / 100;
    let invited = users * 3 / 100;
    let importable = users * 3 / 100 + extra_importable;
    let managed = (users - externals - invited - users * 3 / 100).max(1);

    let owner = g.named_person("Olivia", "Owner", &domain, Some((org, OrgRole::Owner)));
    if let (Some(user), Some(hash)) = (g.data.users.last_mut(), owner_password_hash) {
        // Scripts sign in as this Owner with the password alone.
        user.email = format!("owner@{domain}");
        user.password_hash = Some(hash.to_owned());
        user.totp_secret = None;
        user.two_factor_required = false;
    }
    let mut members = Vec::with_capacity(managed as usize);
    members.push(owner);
    for i in 1..managed {
        let role = if i % 50 == 0 {
            OrgRole::Administrator
        } else {
            OrgRole::Member
        };
        members.push(g.person(&domain, Some((org, role))));
    }
    let account_count = (users / 100).clamp(3, 2000) as usize;
    let accounts: Vec<i64> = (0..account_count)
        .map(|i| {
            let owner_id = members[i * 7 % members.len()];
            g.account(org, &format!("Account {:04}", i + 1), owner_id)
        })
        .collect();
    for (i, &user) in members.iter().enumerate() {
        if i % 20 == 19 {
            g.mark_imported(user, owner);
        }
        g.grant_some(user, &accounts, 2);
    }
    for _ in 0..externals {
        let external = g.person(&partner_domain, None);
        g.grant_some(external, &accounts, 2);
    }
    for i in 0..invited {
        let invitee = g.invitee(&domain);
        g.invite(org, invitee, owner, i % 10 == 0, &accounts);
    }
    for _ in 0..importable {
        g.person(&domain, None);
    }
    g.data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_every_kind_of_user_and_unique_emails() {
        let data = demo(
            IdBase {
                org: 1,
                user: 1,
                account: 1,
                domain: 1,
                invitation: 1,
            },
            1_800_000_000,
            "hash",
        );
        assert!(data
            .users
            .iter()
            .any(|u| u.email == DEMO_OWNER_EMAIL && u.password_hash.as_deref() == Some("hash")));
        assert!(data.users.iter().any(|u| u.email == DEMO_MEMBER_EMAIL));
        assert!(data
            .users
            .iter()
            .all(|u| u.password_hash.is_some() == (u.status == UserStatus::Active)));
        let emails: HashSet<&str> = data.users.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails.len(), data.users.len());
        assert_eq!(data.orgs.len(), 2);
        assert_eq!(data.invitations.len(), 10);
        assert!(data.accounts.iter().filter(|a| a.org_id == 1).count() == 12);
        // Every account's owner can access it.
        for account in &data.accounts {
            assert!(data
                .access
                .iter()
                .any(|a| a.account_id == account.id && a.user_id == account.owner_id));
        }
        // No user holds two access rows on one account.
        let pairs: HashSet<(i64, i64)> = data
            .access
            .iter()
            .map(|a| (a.account_id, a.user_id))
            .collect();
        assert_eq!(pairs.len(), data.access.len());
    }

    #[test]
    fn sized_organizations_have_the_asked_number_of_users() {
        let data = organization_of_size(
            IdBase {
                org: 3,
                user: 100,
                account: 50,
                domain: 9,
                invitation: 20,
            },
            1000,
            0,
            1_800_000_000,
            Some("hash"),
        );
        assert_eq!(data.users.len(), 1000);
        assert_eq!(data.users[0].email, "owner@org3.example");
        assert_eq!(
            data.users
                .iter()
                .filter(|u| u.password_hash.is_some())
                .count(),
            1
        );
        assert_eq!(data.users[0].id, 100);
        assert_eq!(data.orgs[0].id, 3);
    }

    #[test]
    fn names_fold_to_ascii() {
        assert_eq!(ascii_fold("Tomás"), "tomas");
        assert_eq!(ascii_fold("O'Brien"), "obrien");
        assert_eq!(ascii_fold("Müller"), "muller");
    }
}
