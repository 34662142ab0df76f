/**
 * The service registry: declared and implicit services and their instances (static, API, sidecar), with TTLs and
 * health driven by an injectable clock.
 */
package dev.weft.controlplane.registry;
