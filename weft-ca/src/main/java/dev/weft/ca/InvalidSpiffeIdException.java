package dev.weft.ca;

/** A string that is not a SPIFFE ID of the form Weft issues; the message quotes it and says what is wrong. */
public final class InvalidSpiffeIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    InvalidSpiffeIdException(String input, String reason) {
        super("invalid SPIFFE ID " + quote(input) + ": " + reason);
        this.reason = reason;
    }

    /** What is wrong, without the quoted input. */
    public String reason() {
        return reason;
    }

    private static String quote(String input) {
        if (input == null) {
            return "(null)";
        }
        // a hostile peer can put 2 KiB into a SAN; the message only needs enough to recognise it
        return input.length() <= 200 ? '"' + input + '"' : '"' + input.substring(0, 200) + "\"...";
    }
}
