package dev.weft.controlplane.client;

import java.time.Instant;

/** A join token the control plane created: the token itself, the SPIFFE ID it admits, and when it expires. */
public record JoinToken(String token, String spiffeId, Instant expiresAt) {
}
