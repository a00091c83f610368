//! Metrics of live co-editing: open rooms, connections, updates relayed, append latency.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Registry};

#[derive(Clone)]
pub(super) struct LiveMetrics {
    pub rooms: IntGauge,
    pub connections: IntGauge,
    /// Document updates received from clients (before they are stored).
    pub updates_received: IntCounter,
    /// Update messages sent to clients (one per update per receiving client).
    pub updates_relayed: IntCounter,
    /// Updates stored by this instance's writer.
    pub updates_appended: IntCounter,
    /// Wall time of one group commit (the whole transaction).
    pub append_seconds: Histogram,
    /// Updates per group commit.
    pub batch_size: Histogram,
    /// From an update's arrival in its room to its commit being known: the part of the relay
    /// latency that durability takes (waiting for the writer, and the group commit).
    pub durable_seconds: Histogram,
    /// Clients disconnected because their queue was full.
    pub slow_clients: IntCounter,
    /// Connections closed for a malformed, oversize or rate-limited message, or an update
    /// refused (one that would not load, or would take the document past its maximum size).
    pub refused: IntCounter,
    /// Presence entries dropped: client ids another person's connection announced, or more
    /// than a connection may hold.
    pub presence_refused: IntCounter,
    /// Connections refused before the upgrade: their user had too many already.
    pub connections_refused: IntCounter,
}

impl LiveMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let metrics = LiveMetrics {
            rooms: IntGauge::new("live_rooms", "Documents open on this instance")?,
            connections: IntGauge::new("live_connections", "Open websocket connections")?,
            updates_received: IntCounter::new(
                "live_updates_received_total",
                "Document updates received from websocket clients",
            )?,
            updates_relayed: IntCounter::new(
                "live_updates_relayed_total",
                "Document update messages sent to websocket clients",
            )?,
            updates_appended: IntCounter::new(
                "live_updates_appended_total",
                "Document updates stored by this instance's writer",
            )?,
            append_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "live_append_seconds",
                    "Duration of one group commit of document updates",
                )
                .buckets(vec![
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0,
                ]),
            )?,
            batch_size: Histogram::with_opts(
                HistogramOpts::new("live_append_batch_updates", "Updates per group commit")
                    .buckets(vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 500.0, 2000.0]),
            )?,
            durable_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "live_update_durable_seconds",
                    "From a client update's arrival in its room to its commit being known",
                )
                .buckets(vec![
                    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03,
                    0.04, 0.05, 0.1, 0.25, 1.0,
                ]),
            )?,
            slow_clients: IntCounter::new(
                "live_slow_clients_disconnected_total",
                "Websocket clients disconnected because they could not keep up",
            )?,
            refused: IntCounter::new(
                "live_messages_refused_total",
                "Websocket connections closed for a malformed, oversize, over-budget or refused message",
            )?,
            presence_refused: IntCounter::new(
                "live_presence_refused_total",
                "Presence entries dropped: client ids announced by someone else's connection",
            )?,
            connections_refused: IntCounter::new(
                "live_connections_refused_total",
                "Websocket connections refused because their user had too many open",
            )?,
        };
        registry.register(Box::new(metrics.rooms.clone()))?;
        registry.register(Box::new(metrics.connections.clone()))?;
        registry.register(Box::new(metrics.updates_received.clone()))?;
        registry.register(Box::new(metrics.updates_relayed.clone()))?;
        registry.register(Box::new(metrics.updates_appended.clone()))?;
        registry.register(Box::new(metrics.append_seconds.clone()))?;
        registry.register(Box::new(metrics.batch_size.clone()))?;
        registry.register(Box::new(metrics.durable_seconds.clone()))?;
        registry.register(Box::new(metrics.slow_clients.clone()))?;
        registry.register(Box::new(metrics.refused.clone()))?;
        registry.register(Box::new(metrics.presence_refused.clone()))?;
        registry.register(Box::new(metrics.connections_refused.clone()))?;
        Ok(metrics)
    }
}
