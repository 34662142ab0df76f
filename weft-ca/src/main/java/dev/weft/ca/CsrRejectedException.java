package dev.weft.ca;

/** A certificate signing request the CA will not sign: unreadable, badly signed, a refused key, or the wrong name. */
public final class CsrRejectedException extends SigningRefusedException {
    private static final long serialVersionUID = 1L;

    CsrRejectedException(String reason) {
        super("certificate signing request refused: " + reason);
    }
}
