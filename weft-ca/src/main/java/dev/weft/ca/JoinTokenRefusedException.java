package dev.weft.ca;

/** A join token that cannot be redeemed; {@link #reason()} tells the cases apart. */
public final class JoinTokenRefusedException extends SigningRefusedException {
    private static final long serialVersionUID = 1L;

    /** Why a join token was refused. */
    public enum Reason {
        /** No token with this value was ever created (or it was pruned long after it expired). */
        UNKNOWN,
        /** The token was already redeemed once. */
        REUSED,
        /** The token's time to live has passed. */
        EXPIRED,
        /** The token is bound to another namespace or account than the identity requested. */
        IDENTITY_MISMATCH
    }

    private final Reason reason;

    JoinTokenRefusedException(Reason reason, String message) {
        super("join token refused (" + reason + "): " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
