package dev.weft.ca;

/**
 * The CA refused to sign a request; the subclass says why (the request itself, its join token, or the rate limit),
 * so a CSR endpoint can answer each with its own status.
 */
public abstract class SigningRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    SigningRefusedException(String message) {
        super(message);
    }
}
