package dev.weft.cli;

import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weft register}: adds an instance of a service to the control plane's registry. */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = {"Register an instance of a service with the control plane.",
            "With --ttl the instance lapses unless refreshed; --keep-alive stays running, sends the heartbeats and "
                    + "deregisters on Ctrl-C."})
final class RegisterCommand implements Callable<Integer> {
    @Option(names = "--service", required = true, paramLabel = "NAME", description = "The service.")
    private String service;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace (default: default).")
    private String namespace;

    @Option(names = "--name", paramLabel = "NAME",
            description = "The instance's name (default: SERVICE-ADDRESS-PORT with '.' and ':' as '-').")
    private String name;

    @Option(names = "--address", required = true, paramLabel = "HOST", description = "Where the instance listens.")
    private String address;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "Its port.")
    private int port;

    @Option(names = "--protocol", paramLabel = "PROTOCOL",
            description = "HTTP, HTTP2, GRPC or TCP (default: the Service port's).")
    private ServiceProtocol protocol;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label, e.g. version=v2; repeatable.")
    private Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Lifetime without a heartbeat, e.g. 10s (default: none, the instance stays until deregistered).")
    private Duration ttl;

    @Option(names = "--keep-alive", description = "Keep running: heartbeat every third of the TTL, deregister on exit.")
    private boolean keepAlive;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (port < 1 || port > 65535) {
            err.println("weft register: --port: " + port + " (expected: 1 to 65535)");
            return 2;
        }
        if (keepAlive && ttl == null) {
            err.println("weft register: --keep-alive needs --ttl (without one there is nothing to keep alive)");
            return 2;
        }
        String ns = Clients.namespaceOrDefault(namespace);
        String instanceName = name != null ? name : (service + "-" + address + "-" + port).replaceAll("[.:]", "-");
        ControlPlaneClient client = server.client();
        Registration registration;
        try {
            registration = Registration.start(client, Registration.instance(ns, instanceName, labels,
                    new ServiceInstanceSpec(service, address, port, protocol, ttl)), m -> {
                        err.println("weft register: " + m);
                        err.flush();
                    }, server::describe);
        } catch (IOException e) {
            err.println("weft register: " + server.describe(e));
            return 1;
        }
        out.println("serviceinstance/" + ns + "/" + instanceName + " registered"
                + (ttl == null ? "" : " (ttl " + ttl.toMillis() + "ms)"));
        out.flush();
        if (!keepAlive) {
            return 0;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registration.close();
            stop.countDown();
        }, "weft-deregister"));
        stop.await();
        return 0;
    }
}
