/** The control plane's HTTP API (JSON over HTTPS, admin-token authentication), served by the JDK HTTPS server. */
package dev.weft.controlplane.api;
