package dev.weft.controlplane.store;

import java.io.IOException;
import java.nio.file.Path;

/** The state file exists but cannot be read back; the control plane refuses to start rather than lose its state. */
public final class CorruptStateException extends IOException {

    public CorruptStateException(Path file, String reason, Throwable cause) {
        super(file + ": cannot be read as Weft control-plane state (" + reason + "); fix or move the file away to "
                + "start with an empty store", cause);
    }
}
