package dev.fuseoverlay.options;

/** Bad mount input: the message is the one line the user sees. */
public final class OptionsException extends RuntimeException {
    public OptionsException(String message) {
        super(message, null, false, false);
    }
}
