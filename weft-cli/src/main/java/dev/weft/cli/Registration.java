package dev.weft.cli;

import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An instance kept registered with the control plane: registered at once, then a heartbeat every third of its
 * TTL (registered again if the control plane lost it, e.g. after losing its data dir), deregistered on close.
 * A failed heartbeat is reported and retried; the control plane expires the instance if they keep failing.
 */
final class Registration implements AutoCloseable {
    private final ControlPlaneClient client;
    private final Resource<ServiceInstanceSpec> instance;
    private final Consumer<String> log;
    private final Function<IOException, String> describe;
    private final ScheduledExecutorService timer;
    private volatile boolean failing;

    private Registration(ControlPlaneClient client, Resource<ServiceInstanceSpec> instance, Consumer<String> log,
                         Function<IOException, String> describe) {
        this.client = client;
        this.instance = instance;
        this.log = log;
        this.describe = describe;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** The resource of one instance. */
    static Resource<ServiceInstanceSpec> instance(String namespace, String name, java.util.Map<String, String> labels,
                                                  ServiceInstanceSpec spec) {
        return new Resource<>(new ObjectMeta(name, namespace, labels, null, null, null), spec);
    }

    /**
     * Registers {@code instance} and keeps it alive with heartbeats when it has a TTL; later failures go to
     * {@code log}, explained by {@code describe}.
     *
     * @throws IOException when the first registration is refused or the control plane cannot be reached
     */
    static Registration start(ControlPlaneClient client, Resource<ServiceInstanceSpec> instance, Consumer<String> log,
                              Function<IOException, String> describe) throws IOException {
        Registration registration = new Registration(client, instance, log, describe);
        client.register(instance);
        Duration ttl = instance.spec().ttl();
        if (ttl != null && !ttl.isZero()) {
            long period = Math.max(100, ttl.toMillis() / 3);
            registration.timer.scheduleWithFixedDelay(registration::beat, period, period, TimeUnit.MILLISECONDS);
        }
        return registration;
    }

    private void beat() {
        String ns = instance.metadata().namespace();
        String name = instance.metadata().name();
        try {
            if (!client.heartbeat(ns, name)) {
                client.register(instance);
            }
            if (failing) {
                failing = false;
                log.accept("heartbeats of " + ns + "/" + name + " reach the control plane again");
            }
        } catch (IOException e) {
            if (!failing) {
                failing = true;
                log.accept("heartbeat of " + ns + "/" + name + " failed, retrying: " + describe.apply(e));
            }
        }
    }

    /** Stops the heartbeats and deregisters; a control plane that cannot be reached lets the TTL do it. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            client.deregister(instance.metadata().namespace(), instance.metadata().name());
        } catch (IOException e) {
            log.accept("deregistration of " + instance.metadata().name() + " failed (its TTL will expire it): "
                    + describe.apply(e));
        }
    }
}
