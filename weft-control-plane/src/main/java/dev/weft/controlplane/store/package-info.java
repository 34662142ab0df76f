/**
 * The control plane's persistent state: declared resources applied all or nothing, and the one state file in the
 * data directory that also keeps the registry's run-time instances.
 */
package dev.weft.controlplane.store;
