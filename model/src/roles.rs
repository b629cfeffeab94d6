//! Organisation roles and account roles, and the rules that combine them.

use serde::{Deserialize, Serialize};

use crate::named::named_enum;

named_enum! {
    /// A member's role in the organisation. Owners and Administrators manage users; Members do not.
    #[derive(PartialOrd, Ord)]
    pub enum OrgRole {
        Owner = "owner",
        Administrator = "administrator",
        Member = "member",
    }
}

impl OrgRole {
    pub fn label(self) -> &'static str {
        match self {
            OrgRole::Owner => "Owner",
            OrgRole::Administrator => "Administrator",
            OrgRole::Member => "Member",
        }
    }

    /// Only Owners and Administrators manage users.
    pub fn manages_users(self) -> bool {
        matches!(self, OrgRole::Owner | OrgRole::Administrator)
    }
}

/// Why `actor` may not move a member from organization role `from` to `to`, or None when they
/// may. `other_owners` is how many Owners besides the member changed can sign in now (a
/// suspended Owner does not count); `is_self` when actors change their
/// own role.
pub fn org_role_change_problem(
    actor: OrgRole,
    is_self: bool,
    from: OrgRole,
    to: OrgRole,
    other_owners: u64,
) -> Option<&'static str> {
    if from == to {
        return None;
    }
    if let Some(problem) = owner_role_problem(actor, from, to) {
        return Some(problem);
    }
    if from == OrgRole::Owner && other_owners == 0 {
        return Some("This is the organization's last Owner. Make someone else an Owner first.");
    }
    if is_self && !to.manages_users() {
        return Some(
            "You cannot take away your own right to manage users. Ask another Owner or Administrator.",
        );
    }
    None
}

/// The part of [`org_role_change_problem`] a form can tell before asking: only an Owner grants or
/// takes away the Owner role.
pub fn owner_role_problem(actor: OrgRole, from: OrgRole, to: OrgRole) -> Option<&'static str> {
    (from != to && (from == OrgRole::Owner || to == OrgRole::Owner) && actor != OrgRole::Owner)
        .then_some("Only an Owner can grant or take away the Owner role.")
}

/// A change an Owner or Administrator makes to a member of the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Name or organization role.
    Edit,
    ResetPassword,
    RequireTwoFactor,
    /// Two-factor sign-in set up again from nothing (a lost phone): the app and recovery codes
    /// stop working.
    ResetTwoFactor,
    /// Roles on the organization's accounts.
    ChangeAccess,
    Remove,
    Delete,
    /// Suspension: cannot sign in, keeps accounts and roles.
    Suspend,
    Restore,
}

impl MemberChange {
    pub const ALL: [MemberChange; 9] = [
        MemberChange::Edit,
        MemberChange::ResetPassword,
        MemberChange::RequireTwoFactor,
        MemberChange::ResetTwoFactor,
        MemberChange::ChangeAccess,
        MemberChange::Remove,
        MemberChange::Delete,
        MemberChange::Suspend,
        MemberChange::Restore,
    ];
}

/// Why `actor` may not make `change` to a member whose role is `target`, or None when they may.
/// Only Owners act on Owners; nobody resets, requires two-factor of, suspends, removes or deletes
/// themselves (that would sign them out or lock them out half-way); the last Owner who can sign in
/// never leaves nor is suspended. `other_owners` is how many Owners besides the target can sign in
/// now. (Role changes have their own rule besides this one:
/// [`org_role_change_problem`].)
pub fn member_change_problem(
    actor: OrgRole,
    is_self: bool,
    target: OrgRole,
    other_owners: u64,
    change: MemberChange,
) -> Option<&'static str> {
    if is_self {
        match change {
            MemberChange::Remove | MemberChange::Delete => {
                return Some(
                    "You cannot remove or delete yourself. Ask another Owner or Administrator.",
                )
            }
            MemberChange::ResetPassword => {
                return Some("You cannot reset your own password here: change it under “Password” instead.")
            }
            MemberChange::RequireTwoFactor => {
                return Some("You cannot change your own two-factor requirement: set up two-factor under “Two-factor” instead.")
            }
            MemberChange::ResetTwoFactor => {
                return Some("You cannot reset your own two-factor sign-in. Ask another Owner or Administrator.")
            }
            MemberChange::Suspend | MemberChange::Restore => {
                return Some(
                    "You cannot suspend or restore yourself. Ask another Owner or Administrator.",
                )
            }
            MemberChange::Edit | MemberChange::ChangeAccess => {}
        }
    }
    if target == OrgRole::Owner && !is_self {
        if actor != OrgRole::Owner {
            return Some("Only an Owner can change an Owner.");
        }
        let leaves = matches!(
            change,
            MemberChange::Remove | MemberChange::Delete | MemberChange::Suspend
        );
        if leaves && other_owners == 0 {
            return Some(
                "This is the organization's last Owner. Make someone else an Owner first.",
            );
        }
    }
    None
}

named_enum! {
    /// A role on one managed account. Roles combine, except that Administrator already holds every
    /// permission of Developer and Billing Manager.
    #[derive(PartialOrd, Ord)]
    pub enum AccountRole {
        Administrator = "administrator",
        Developer = "developer",
        BillingManager = "billing_manager",
        Support = "support",
    }
}

impl AccountRole {
    fn bit(self) -> u8 {
        match self {
            AccountRole::Administrator => 1,
            AccountRole::Developer => 2,
            AccountRole::BillingManager => 4,
            AccountRole::Support => 8,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountRole::Administrator => "Administrator",
            AccountRole::Developer => "Developer",
            AccountRole::BillingManager => "Billing Manager",
            AccountRole::Support => "Support",
        }
    }

    /// Whether holding Administrator makes this role redundant.
    pub fn implied_by_administrator(self) -> bool {
        matches!(self, AccountRole::Developer | AccountRole::BillingManager)
    }
}

/// The set of roles one user holds on one account, kept canonical: when Administrator is in the set,
/// the roles it implies are not stored beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RoleSet(u8);

impl RoleSet {
    pub const EMPTY: RoleSet = RoleSet(0);

    /// The canonical set holding `roles`.
    pub fn from_roles(roles: impl IntoIterator<Item = AccountRole>) -> Self {
        roles
            .into_iter()
            .fold(RoleSet::EMPTY, |set, role| set.with(role, true))
    }

    /// Stored form (a bit mask). Unknown bits are dropped and the result re-canonicalised.
    pub fn from_bits(bits: u8) -> Self {
        Self::from_roles(AccountRole::ALL.into_iter().filter(|r| bits & r.bit() != 0))
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, role: AccountRole) -> bool {
        self.0 & role.bit() != 0
    }

    /// Whether the user effectively has `role`'s permissions, directly or through Administrator.
    pub fn grants(self, role: AccountRole) -> bool {
        self.contains(role)
            || (role.implied_by_administrator() && self.contains(AccountRole::Administrator))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Ticks or unticks one role. Ticking Administrator clears Developer and Billing Manager (it holds
    /// their permissions); ticking one of those while Administrator is held changes nothing.
    pub fn with(self, role: AccountRole, on: bool) -> Self {
        if !on {
            return RoleSet(self.0 & !role.bit());
        }
        if role == AccountRole::Administrator {
            let cleared = AccountRole::ALL
                .into_iter()
                .filter(|r| r.implied_by_administrator())
                .fold(self.0, |bits, r| bits & !r.bit());
            RoleSet(cleared | role.bit())
        } else if role.implied_by_administrator() && self.contains(AccountRole::Administrator) {
            self
        } else {
            RoleSet(self.0 | role.bit())
        }
    }

    /// Every role of both sets, kept canonical.
    pub fn union(self, other: RoleSet) -> RoleSet {
        Self::from_bits(self.0 | other.0)
    }

    pub fn roles(self) -> Vec<AccountRole> {
        AccountRole::ALL
            .into_iter()
            .filter(|r| self.contains(*r))
            .collect()
    }

    /// "Administrator, Support" — for tables and summaries.
    pub fn describe(self) -> String {
        let labels: Vec<&str> = self.roles().into_iter().map(AccountRole::label).collect();
        if labels.is_empty() {
            "No role".to_owned()
        } else {
            labels.join(", ")
        }
    }
}

impl Serialize for RoleSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.roles().serialize(serializer)
    }
}

/// On the wire a role set is the list of its roles.
#[cfg(feature = "server")]
impl utoipa::PartialSchema for RoleSet {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(<AccountRole as utoipa::PartialSchema>::schema())
            .description(Some(
                "Roles on one account. Administrator already holds Developer and Billing Manager, so answers never list it with them; a role sent twice counts once.",
            ))
            .into()
    }
}

#[cfg(feature = "server")]
impl utoipa::ToSchema for RoleSet {}

impl<'de> Deserialize<'de> for RoleSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<AccountRole>::deserialize(deserializer).map(RoleSet::from_roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountRole::*;

    #[test]
    fn only_owners_touch_owner_and_the_last_owner_stays() {
        use OrgRole::{Administrator as Admin, Member, Owner};
        assert!(org_role_change_problem(Admin, false, Member, Admin, 0).is_none());
        assert!(org_role_change_problem(Admin, false, Member, Owner, 0).is_some());
        assert!(org_role_change_problem(Admin, false, Owner, Member, 1).is_some());
        assert!(org_role_change_problem(Owner, false, Member, Owner, 0).is_none());
        assert!(org_role_change_problem(Owner, false, Owner, Admin, 1).is_none());
        assert!(org_role_change_problem(Owner, true, Owner, Admin, 0)
            .is_some_and(|p| p.contains("last Owner")));
        assert!(org_role_change_problem(Owner, true, Owner, Admin, 1).is_none());
        assert!(org_role_change_problem(Admin, true, Admin, Member, 0)
            .is_some_and(|p| p.contains("your own")));
        assert!(org_role_change_problem(Owner, true, Owner, Owner, 0).is_none());
    }

    #[test]
    fn union_stays_canonical() {
        let admin = RoleSet::from_roles([Administrator]);
        let dev = RoleSet::from_roles([Developer, Support]);
        assert_eq!(
            dev.union(admin),
            RoleSet::from_roles([Administrator, Support])
        );
        assert_eq!(RoleSet::EMPTY.union(dev), dev);
    }

    #[test]
    fn roles_combine() {
        let set = RoleSet::from_roles([Developer, BillingManager]);
        assert_eq!(set.roles(), vec![Developer, BillingManager]);
        assert_eq!(set.describe(), "Developer, Billing Manager");
    }

    #[test]
    fn administrator_clears_the_roles_it_holds() {
        let set =
            RoleSet::from_roles([Developer, BillingManager, Support]).with(Administrator, true);
        assert_eq!(set.roles(), vec![Administrator, Support]);
        assert!(set.grants(Developer));
        assert!(set.grants(BillingManager));
        assert!(!set.contains(Developer));
    }

    #[test]
    fn ticking_an_implied_role_under_administrator_changes_nothing() {
        let set = RoleSet::from_roles([Administrator]);
        assert_eq!(set.with(Developer, true), set);
        assert_eq!(
            set.with(Support, true).roles(),
            vec![Administrator, Support]
        );
    }

    #[test]
    fn unticking_removes_only_that_role() {
        let set = RoleSet::from_roles([Administrator, Support]).with(Administrator, false);
        assert_eq!(set.roles(), vec![Support]);
        assert!(RoleSet::EMPTY.is_empty());
        assert_eq!(RoleSet::EMPTY.describe(), "No role");
    }

    #[test]
    fn stored_bits_are_canonicalised() {
        let messy = RoleSet::from_bits(1 | 2 | 4 | 8 | 64);
        assert_eq!(messy.roles(), vec![Administrator, Support]);
        assert_eq!(RoleSet::from_bits(messy.bits()), messy);
    }

    #[test]
    fn role_sets_serialise_as_role_names() {
        let set = RoleSet::from_roles([BillingManager, Support]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["billing_manager","support"]"#);
        let back: RoleSet = serde_json::from_str(r#"["developer","administrator"]"#).unwrap();
        assert_eq!(back.roles(), vec![Administrator]);
    }

    #[test]
    fn only_owners_and_administrators_manage_users() {
        assert!(OrgRole::Owner.manages_users());
        assert!(OrgRole::Administrator.manages_users());
        assert!(!OrgRole::Member.manages_users());
        assert_eq!(
            OrgRole::parse("administrator"),
            Some(OrgRole::Administrator)
        );
        assert_eq!(OrgRole::parse("admin"), None);
    }

    #[test]
    fn only_owners_act_on_owners_and_nobody_locks_themselves_out() {
        use MemberChange::*;
        use OrgRole::*;
        for change in MemberChange::ALL {
            assert_eq!(
                member_change_problem(Administrator, false, Owner, 1, change),
                Some("Only an Owner can change an Owner."),
                "{change:?}"
            );
            assert_eq!(member_change_problem(Owner, false, Owner, 1, change), None);
            assert_eq!(
                member_change_problem(Administrator, false, Administrator, 0, change),
                None
            );
            assert_eq!(
                member_change_problem(Administrator, false, Member, 0, change),
                None
            );
        }
        for change in [
            ResetPassword,
            RequireTwoFactor,
            Remove,
            Delete,
            Suspend,
            Restore,
        ] {
            assert!(
                member_change_problem(Owner, true, Owner, 2, change).is_some(),
                "{change:?}"
            );
            assert!(member_change_problem(Administrator, true, Administrator, 2, change).is_some());
        }
        for change in [Edit, ChangeAccess] {
            assert_eq!(
                member_change_problem(Administrator, true, Administrator, 0, change),
                None
            );
        }
        // An Owner demoted a moment ago still counts among the others until their demotion commits.
        assert!(member_change_problem(Owner, false, Owner, 0, Remove).is_some());
        // The last active Owner cannot be suspended: nobody could restore them.
        assert!(member_change_problem(Owner, false, Owner, 0, Suspend).is_some());
        assert_eq!(member_change_problem(Owner, false, Owner, 0, Restore), None);
        assert_eq!(
            member_change_problem(Owner, false, Owner, 0, ResetPassword),
            None
        );
    }
}
