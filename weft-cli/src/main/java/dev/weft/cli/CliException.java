package dev.weft.cli;

/**
 * A command cannot run for a reason the user can fix (missing credentials, an unreadable file): the message says
 * what and how; {@link Weft} prints it after the command's name and exits with 1.
 */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
