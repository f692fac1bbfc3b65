//! Roles, permissions and data scope: the one place that decides who may do what, where.
//!
//! The role → permission table is data ([`grants`]); every check in the application goes through
//! [`Principal::scope_for`] so a reviewer reads one table to know the whole access policy.

use std::str::FromStr;

use serde::Serialize;

use crate::ids::{ApiTokenId, OrgId, UserId};
use crate::org::{OrgKind, OrgPath};
use crate::validation::{FieldError, FieldIssue};

crate::code_enum! {
    /// The staff roles of DESIGN §1.
    pub enum Role {
        Agent = "agent",
        Dispatcher = "dispatcher",
        UnitHandler = "unit_handler",
        UnitManager = "unit_manager",
        Supervisor = "supervisor",
        Qa = "qa",
        Leader = "leader",
        Admin = "admin",
        Auditor = "auditor",
        /// A public app or portal that files citizens' appeals (Open311 `api_key`): it creates
        /// tickets and reads nothing.
        IntakeApp = "intake_app",
        /// The softswitch (Kamailio) asking where a call goes and telling how it went.
        Softswitch = "softswitch",
    }
}

impl Role {
    /// Unit roles work inside a district, bureau or street office and see only its subtree;
    /// every other role works at the center and sees the whole city.
    #[must_use]
    pub const fn is_unit_role(self) -> bool {
        match self {
            Self::UnitHandler | Self::UnitManager => true,
            Self::Agent
            | Self::Dispatcher
            | Self::Supervisor
            | Self::Qa
            | Self::Leader
            | Self::Admin
            | Self::Auditor
            | Self::IntakeApp
            | Self::Softswitch => false,
        }
    }

    /// Roles that hold the keys to the system or to its audit trail (三权分立): they may not be
    /// given to machine clients, and only an admin may grant them.
    #[must_use]
    pub const fn is_privileged(self) -> bool {
        matches!(self, Self::Admin | Self::Auditor)
    }

    /// Roles for machine clients only; no person signs in with them.
    #[must_use]
    pub const fn is_machine_only(self) -> bool {
        matches!(self, Self::IntakeApp | Self::Softswitch)
    }
}

impl FromStr for Role {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| FieldError::new("roles", FieldIssue::InvalidValue))
    }
}

crate::code_enum! {
    pub enum Permission {
        OrgRead = "org_read",
        OrgManage = "org_manage",
        UserRead = "user_read",
        UserManage = "user_manage",
        ApiTokenManage = "api_token_manage",
        AuditRead = "audit_read",
        /// Background jobs, and later backups and system figures.
        SystemRead = "system_read",
        /// Categories, calendar, SLA policies, routing catalogue.
        ReferenceManage = "reference_manage",
        TicketCreate = "ticket_create",
        TicketRead = "ticket_read",
        /// The handling types at intake: answer, transfer, liaise, excerpt, emergency, dismiss.
        TicketIntake = "ticket_intake",
        /// Dispatch, assign, batch assign, merge.
        TicketDispatch = "ticket_dispatch",
        /// A unit's work: accept, return, extension request, contact, reply, re-dispatch.
        TicketHandle = "ticket_handle",
        /// Rule on returns and extensions.
        TicketDecide = "ticket_decide",
        /// Review replies, close, reopen, archive.
        TicketReview = "ticket_review",
        TicketCallback = "ticket_callback",
        /// Urge and supervise.
        TicketSupervise = "ticket_supervise",
        /// Read published knowledge-base articles (the whole city's: answers are for everyone).
        KbRead = "kb_read",
        /// Write and submit the articles of one's org (and the orgs below it).
        KbEdit = "kb_edit",
        /// Review and publish articles, withdraw any.
        KbPublish = "kb_publish",
        /// Statistics, 三率 figures and rankings: the city's for the center, a unit's own
        /// subtree for its managers.
        StatsRead = "stats_read",
        /// The early-warning inbox: read alerts, acknowledge, assign and close them.
        AlertHandle = "alert_handle",
        /// Run the assessment: publish a month's bulletin (考核通报), which then stands, and
        /// decide units' appeals against a ticket's inclusion.
        StatsPublish = "stats_publish",
        /// Appeal against a ticket's inclusion in one's unit's assessment (不纳入考核 申诉).
        StatsAppeal = "stats_appeal",
        /// Leaders' instructions (批示) on a ticket or a briefing's item.
        TicketInstruct = "ticket_instruct",
        /// Read the published daily briefings (要情摘报).
        BriefingRead = "briefing_read",
        /// Compile the briefing from agents' excerpts (拟摘) and publish it.
        BriefingCompile = "briefing_compile",
        /// Take calls: log in to a seat, go ready and not ready.
        CallTake = "call_take",
        /// Watch the floor (现场监控), read every call record, force an agent off the line.
        CallSupervise = "call_supervise",
        /// Seats, queues and agents' skills.
        CallcenterManage = "callcenter_manage",
        /// The softswitch's decisions and events (`/cti/v1/…`).
        CallRoute = "call_route",
    }
}

/// How far a grant reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// The holder's own org and everything below it.
    OwnSubtree,
    /// The whole city.
    City,
}

/// The access policy. Center roles reach the city; unit roles their own subtree. The auditor
/// reads the audit trail and nothing else; nobody may change it (there is no permission to).
/// The admin runs the system but reads no work orders (least privilege over personal data).
#[must_use]
pub const fn grants(role: Role) -> &'static [(Permission, Reach)] {
    use Permission::{
        AlertHandle, ApiTokenManage, AuditRead, BriefingCompile, BriefingRead, CallRoute,
        CallSupervise, CallTake, CallcenterManage, KbEdit, KbPublish, KbRead, OrgManage, OrgRead,
        ReferenceManage, StatsAppeal, StatsPublish, StatsRead, SystemRead, TicketCallback,
        TicketCreate, TicketDecide, TicketDispatch, TicketHandle, TicketInstruct, TicketIntake,
        TicketRead, TicketReview, TicketSupervise, UserManage, UserRead,
    };
    use Reach::{City, OwnSubtree};
    match role {
        Role::Agent => &[
            (OrgRead, City),
            (TicketCreate, City),
            (TicketRead, City),
            (TicketIntake, City),
            (TicketCallback, City),
            (KbRead, City),
            (CallTake, City),
        ],
        Role::Dispatcher => &[
            (OrgRead, City),
            (TicketCreate, City),
            (TicketRead, City),
            (TicketIntake, City),
            (TicketDispatch, City),
            (TicketDecide, City),
            (TicketSupervise, City),
            (KbRead, City),
            (AlertHandle, City),
        ],
        Role::Supervisor => &[
            (OrgRead, City),
            (UserRead, City),
            (TicketCreate, City),
            (TicketRead, City),
            (TicketIntake, City),
            (TicketDispatch, City),
            (TicketDecide, City),
            (TicketReview, City),
            (TicketCallback, City),
            (TicketSupervise, City),
            (KbRead, City),
            (KbEdit, City),
            (KbPublish, City),
            (StatsRead, City),
            (StatsPublish, City),
            (AlertHandle, City),
            (BriefingRead, City),
            (BriefingCompile, City),
            (CallTake, City),
            (CallSupervise, City),
        ],
        Role::Qa => &[
            (OrgRead, City),
            (UserRead, City),
            (TicketRead, City),
            (KbRead, City),
            (StatsRead, City),
        ],
        Role::Leader => &[
            (OrgRead, City),
            (UserRead, City),
            (TicketRead, City),
            (TicketSupervise, City),
            (KbRead, City),
            (StatsRead, City),
            (AlertHandle, City),
            (TicketInstruct, City),
            (BriefingRead, City),
        ],
        Role::UnitHandler => &[
            (OrgRead, OwnSubtree),
            (UserRead, OwnSubtree),
            (TicketRead, OwnSubtree),
            (TicketHandle, OwnSubtree),
            (KbRead, City),
            (KbEdit, OwnSubtree),
        ],
        Role::UnitManager => &[
            (OrgRead, OwnSubtree),
            (UserRead, OwnSubtree),
            (UserManage, OwnSubtree),
            (ApiTokenManage, OwnSubtree),
            (TicketRead, OwnSubtree),
            (TicketHandle, OwnSubtree),
            (KbRead, City),
            (KbEdit, OwnSubtree),
            (StatsRead, OwnSubtree),
            (StatsAppeal, OwnSubtree),
        ],
        Role::Admin => &[
            (OrgRead, City),
            (OrgManage, City),
            (UserRead, City),
            (UserManage, City),
            (ApiTokenManage, City),
            (ReferenceManage, City),
            (SystemRead, City),
            (KbRead, City),
            (KbEdit, City),
            (KbPublish, City),
            (CallcenterManage, City),
        ],
        Role::Auditor => &[(AuditRead, City)],
        Role::IntakeApp => &[(TicketCreate, City)],
        Role::Softswitch => &[(CallRoute, City)],
    }
}

/// The orgs a principal may act on for one permission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    City,
    Subtree(OrgPath),
}

impl Scope {
    #[must_use]
    pub fn contains(&self, path: &OrgPath) -> bool {
        match self {
            Self::City => true,
            Self::Subtree(root) => root.contains(path),
        }
    }
}

/// Who is acting: a signed-in user, a machine client holding an API token, or the operator at
/// the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    Token(ApiTokenId),
    /// Another hotline instance acting through federation (its peer id here).
    Peer(uuid::Uuid),
    System,
}

/// An authenticated caller, resolved once per request.
#[derive(Clone, Debug)]
pub struct Principal {
    pub actor: Actor,
    /// Username, or the token's name for machine clients (for the audit trail).
    pub name: String,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub roles: Vec<Role>,
}

impl Principal {
    /// The operator running `hotline admin …` on the server: acts with admin rights over the
    /// whole city, and is named as `system` in the audit trail.
    #[must_use]
    pub fn system() -> Self {
        Self {
            actor: Actor::System,
            name: "system".to_owned(),
            org_id: OrgId::from_uuid(uuid::Uuid::nil()),
            org_path: OrgPath::from_stored("/".to_owned()),
            roles: vec![Role::Admin],
        }
    }

    /// The widest scope any of the principal's roles grants for `permission`.
    #[must_use]
    pub fn scope_for(&self, permission: Permission) -> Option<Scope> {
        let reach = self
            .roles
            .iter()
            .flat_map(|role| grants(*role).iter())
            .filter(|(p, _)| *p == permission)
            .map(|(_, reach)| *reach)
            .max()?;
        Some(match reach {
            Reach::City => Scope::City,
            Reach::OwnSubtree => Scope::Subtree(self.org_path.clone()),
        })
    }

    /// Every permission the principal holds, for `GET /me` and the console's menus.
    #[must_use]
    pub fn permissions(&self) -> Vec<(Permission, Reach)> {
        Permission::ALL
            .iter()
            .copied()
            .filter_map(|p| {
                self.roles
                    .iter()
                    .flat_map(|role| grants(*role).iter())
                    .filter(|(granted, _)| *granted == p)
                    .map(|(_, reach)| *reach)
                    .max()
                    .map(|reach| (p, reach))
            })
            .collect()
    }

    #[must_use]
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self.actor {
            Actor::User(id) => Some(id),
            Actor::Token(_) | Actor::Peer(_) | Actor::System => None,
        }
    }
}

/// Roles must fit the org a user belongs to: center roles at the center, unit roles in units.
pub fn check_roles_fit_org(roles: &[Role], org_kind: OrgKind) -> Result<(), FieldError> {
    if roles.is_empty() {
        return Err(FieldError::new("roles", FieldIssue::Required));
    }
    let at_center = org_kind == OrgKind::Center;
    // An intake app files appeals for the whole city, whichever org's portal it serves.
    if roles.iter().any(|role| !role.is_machine_only() && role.is_unit_role() == at_center) {
        return Err(FieldError::new("roles", FieldIssue::NotAllowed).with_detail(if at_center {
            "unit roles belong to users of a district, bureau or street office"
        } else {
            "center roles belong to users of the center"
        }));
    }
    Ok(())
}

/// Which roles a granter may hand out. Admins grant any role; unit managers grant unit roles.
#[must_use]
pub fn may_grant(granter: &Principal, role: Role) -> bool {
    if granter.has_role(Role::Admin) {
        return true;
    }
    granter.has_role(Role::UnitManager) && role.is_unit_role()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role]) -> Principal {
        let center = OrgPath::root(OrgId::from_uuid(uuid::Uuid::now_v7()));
        Principal {
            actor: Actor::User(UserId::from_uuid(uuid::Uuid::now_v7())),
            name: "u".into(),
            org_id: OrgId::from_uuid(uuid::Uuid::now_v7()),
            org_path: OrgPath::child(&center, OrgId::from_uuid(uuid::Uuid::now_v7())),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn the_auditor_reads_the_audit_trail_and_nothing_else() {
        let auditor = principal(&[Role::Auditor]);
        assert_eq!(auditor.permissions(), vec![(Permission::AuditRead, Reach::City)]);
        let admin = principal(&[Role::Admin]);
        assert_eq!(admin.scope_for(Permission::AuditRead), None);
    }

    #[test]
    fn unit_roles_reach_only_their_subtree() {
        let handler = principal(&[Role::UnitHandler]);
        let own = handler.org_path.clone();
        let below = OrgPath::child(&own, OrgId::from_uuid(uuid::Uuid::now_v7()));
        let elsewhere = OrgPath::root(OrgId::from_uuid(uuid::Uuid::now_v7()));
        let scope = handler.scope_for(Permission::UserRead).unwrap();
        assert!(scope.contains(&own) && scope.contains(&below) && !scope.contains(&elsewhere));
        assert_eq!(handler.scope_for(Permission::UserManage), None);
    }

    #[test]
    fn the_widest_grant_wins() {
        let p = principal(&[Role::UnitManager, Role::Supervisor]);
        assert_eq!(p.scope_for(Permission::UserRead), Some(Scope::City));
    }

    #[test]
    fn roles_must_fit_the_org() {
        assert!(check_roles_fit_org(&[Role::Agent, Role::Dispatcher], OrgKind::Center).is_ok());
        assert!(check_roles_fit_org(&[Role::UnitHandler], OrgKind::Center).is_err());
        assert!(check_roles_fit_org(&[Role::Agent], OrgKind::Street).is_err());
        assert!(check_roles_fit_org(&[], OrgKind::Street).is_err());
    }

    #[test]
    fn unit_managers_grant_only_unit_roles() {
        let manager = principal(&[Role::UnitManager]);
        assert!(may_grant(&manager, Role::UnitHandler));
        assert!(!may_grant(&manager, Role::Admin));
        assert!(!may_grant(&manager, Role::Agent));
        assert!(may_grant(&principal(&[Role::Admin]), Role::Auditor));
    }
}
