/** The control plane's HTTP API (JSON), served by the JDK HTTP server. */
package dev.weft.controlplane.api;
