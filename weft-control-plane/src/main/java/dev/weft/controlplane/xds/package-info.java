/**
 * Translation of the store and registry into per-node xDS snapshots, and the ADS server that serves them to Weft
 * sidecars and proxyless gRPC clients and tracks their sync status.
 */
package dev.weft.controlplane.xds;
