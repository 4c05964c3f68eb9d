//! Who may use the moderator and admin commands.
//!
//! Commands are registered with `default_member_permissions`, but that only
//! shapes what the Discord client shows, and server admins can change it. So
//! every call is checked again here, from the member data Discord sends with
//! the interaction (roles and the member's computed permissions in the channel).

use poise::serenity_prelude::{Member, Permissions, RoleId};

use super::discord::text_reply;
use super::retry;
use super::{Context, Error};

/// Said to anyone refused; it reveals nothing about the command.
pub const REFUSAL: &str = "Sorry, you don't have permission to use this command.";

/// A moderator: a role in `discord.moderator_roles`, or Manage Messages.
pub fn may_moderate(member: Option<&Member>, moderator_roles: &[u64]) -> bool {
    has_role_or_permission(member, moderator_roles, Permissions::MANAGE_MESSAGES)
}

/// An admin: a role in `discord.admin_roles`, or Manage Server.
pub fn may_administer(member: Option<&Member>, admin_roles: &[u64]) -> bool {
    has_role_or_permission(member, admin_roles, Permissions::MANAGE_GUILD)
}

fn has_role_or_permission(member: Option<&Member>, roles: &[u64], permission: Permissions) -> bool {
    let Some(member) = member else {
        // Outside a server there is no member, and these commands are server-only.
        return false;
    };
    let by_role = member
        .roles
        .iter()
        .any(|role: &RoleId| roles.contains(&role.get()));
    let by_permission = member
        .permissions
        .is_some_and(|p| p.administrator() || p.contains(permission));
    by_role || by_permission
}

/// The member who invoked an application command, as Discord sent it.
fn invoking_member<'a>(ctx: &Context<'a>) -> Option<&'a Member> {
    match ctx {
        poise::Context::Application(app) => app.interaction.member.as_deref(),
        poise::Context::Prefix(_) => None,
    }
}

/// Refuses ephemerally; the framework then stops the command quietly.
async fn refuse(ctx: Context<'_>) -> Result<bool, Error> {
    tracing::info!(
        command = %ctx.command().qualified_name,
        "refused a command to a member without permission"
    );
    retry::reply(ctx, text_reply(REFUSAL, true)).await?;
    Ok(false)
}

/// poise check for /unanswered and /stats.
pub async fn moderator(ctx: Context<'_>) -> Result<bool, Error> {
    if may_moderate(invoking_member(&ctx), &ctx.data().discord.moderator_roles) {
        Ok(true)
    } else {
        refuse(ctx).await
    }
}

/// poise check for /reload.
pub async fn admin(ctx: Context<'_>) -> Result<bool, Error> {
    if may_administer(invoking_member(&ctx), &ctx.data().discord.admin_roles) {
        Ok(true)
    } else {
        refuse(ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(roles: &[u64], permissions: Option<Permissions>) -> Member {
        let mut member = Member::default();
        member.roles = roles.iter().map(|&id| RoleId::new(id)).collect();
        member.permissions = permissions;
        member
    }

    #[test]
    fn moderators_by_role_or_permission() {
        let roles = [7];
        assert!(!may_moderate(None, &roles));
        assert!(!may_moderate(Some(&member(&[], None)), &roles));
        assert!(!may_moderate(
            Some(&member(&[8], Some(Permissions::SEND_MESSAGES))),
            &roles
        ));
        assert!(may_moderate(Some(&member(&[7], None)), &roles));
        assert!(may_moderate(
            Some(&member(&[], Some(Permissions::MANAGE_MESSAGES))),
            &roles
        ));
        assert!(may_moderate(
            Some(&member(&[], Some(Permissions::ADMINISTRATOR))),
            &[]
        ));
    }

    #[test]
    fn admins_need_manage_server_not_manage_messages() {
        assert!(!may_administer(
            Some(&member(&[], Some(Permissions::MANAGE_MESSAGES))),
            &[]
        ));
        assert!(may_administer(
            Some(&member(&[], Some(Permissions::MANAGE_GUILD))),
            &[]
        ));
        assert!(may_administer(Some(&member(&[9], None)), &[9]));
    }
}
