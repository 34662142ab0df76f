/**
 * The Weft control plane: {@link dev.weft.controlplane.ControlPlane#start} runs the store, registry, xDS server and
 * HTTP API from a {@link dev.weft.controlplane.ControlPlaneConfig}.
 */
package dev.weft.controlplane;
