package dev.weft.ca;

import java.nio.file.Path;

/**
 * The CA cannot start or change its signing material: a file is missing, unreadable, readable by others,
 * inconsistent, or holds a certificate or key that cannot sign. The message names the file and what is wrong.
 */
public final class CaException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    CaException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    CaException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The file or directory the error is about. */
    public Path file() {
        return file;
    }
}
