//! The gateway's state, as serenity reports it to event handlers.
//!
//! Stage changes reach only serenity's own event handlers, not the command
//! framework, so this small handler sits beside poise on the client.

use std::sync::Arc;

use poise::serenity_prelude::{
    async_trait, Context, EventHandler, Ready, ResumedEvent, ShardStageUpdateEvent,
};

use super::Telemetry;

/// Feeds READY, RESUMED and every shard stage change into [`Telemetry`].
pub struct GatewayWatch(pub Arc<Telemetry>);

#[async_trait]
impl EventHandler for GatewayWatch {
    async fn ready(&self, _ctx: Context, _ready: Ready) {
        self.0.gateway_ready();
    }

    async fn resume(&self, _ctx: Context, _resumed: ResumedEvent) {
        self.0.gateway_ready();
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        tracing::debug!(old = ?event.old, new = ?event.new, "gateway stage");
        // The stage itself is read from the shard manager when asked.
        self.0.metrics.shard_stage(super::stage_word(event.new));
    }
}
