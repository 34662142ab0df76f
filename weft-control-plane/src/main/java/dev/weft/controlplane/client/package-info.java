/** A Java client of the control plane's HTTP API, used by the weft CLI. */
package dev.weft.controlplane.client;
