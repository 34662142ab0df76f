package dev.weft.cli;

import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.JoinToken;
import dev.weft.testkit.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weft token create}: asks the control plane for a one-time join token bound to a namespace and account. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a one-time join token for a workload identity (spiffe://<trust-domain>/ns/NS/sa/ACCOUNT).",
            "Prints the token alone on stdout (so it can be captured); what it is for goes to stderr. The token is "
                    + "shown once: the control plane keeps only its hash."})
final class TokenCreateCommand implements Callable<Integer> {
    static final String DEFAULT_TTL = "10m";

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The workload's namespace (default: default).")
    private String namespace;

    @Option(names = "--account", required = true, paramLabel = "NAME", description = "The workload's service account.")
    private String account;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = DEFAULT_TTL,
            description = "How long the token can be redeemed, e.g. 10m or 1h (default: ${DEFAULT-VALUE}).")
    private Duration ttl;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String ns = Clients.namespaceOrDefault(namespace);
        try {
            SpiffeId.requireSegment(ns, "namespace");
            SpiffeId.requireSegment(account, "account");
        } catch (IllegalArgumentException e) {
            err.println("weft token create: " + e.getMessage());
            return 2;
        }
        // the API takes whole milliseconds; a shorter or finer TTL would be changed silently on the way
        if (ttl.toMillis() < 1 || ttl.toNanosPart() % 1_000_000 != 0) {
            err.println("weft token create: --ttl: " + Durations.format(ttl)
                    + " (expected: a whole number of milliseconds, at least 1ms)");
            return 2;
        }
        ControlPlaneClient client = server.client();
        JoinToken token;
        try {
            token = client.createToken(ns, account, ttl);
        } catch (IOException e) {
            err.println("weft token create: " + server.describe(e));
            return 1;
        }
        out.println(token.token());
        out.flush();
        err.println("one-time join token for " + token.spiffeId() + ", valid until " + token.expiresAt()
                + ": the workload's sidecar presents it once, with its CSR, to get its certificate");
        err.flush();
        return 0;
    }
}
