/**
 * The sidecar's identity agent: {@link dev.weft.proxy.identity.WorkloadIdentity} creates the workload's key
 * locally, has the control plane sign it (first with a one-time join token, then by the current SVID), renews it
 * before it expires, and gives the control-plane channel TLS credentials that present the current SVID and accept
 * only the control plane's SPIFFE ID.
 */
package dev.weft.proxy.identity;
