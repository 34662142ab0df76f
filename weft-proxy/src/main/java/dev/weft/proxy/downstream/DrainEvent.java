package dev.weft.proxy.downstream;

/** Fired on every downstream connection when the proxy starts draining: idle ones close. */
public final class DrainEvent {
    public static final DrainEvent INSTANCE = new DrainEvent();

    private DrainEvent() {}
}
