package dev.weft.bench.mesh;

/**
 * The knobs of one mesh-benchmark run: how many client sidecars watch the pushes, how many route applies are
 * timed, how large the mesh of the heap measurement is and how many of its services the measured sidecar calls.
 *
 * @param proxies  client sidecars (real Weft proxies, in this JVM) that must all serve each new route
 * @param applies  route changes timed
 * @param services services in the mesh of the heap measurement
 * @param calls    services the "calls a few" sidecar declares as upstreams
 * @param quick    whether the small defaults were asked for
 */
record MeshOptions(int proxies, int applies, int services, int calls, boolean quick) {

    static final String USAGE = "usage: java -jar weft-bench.jar mesh [--quick] [--proxies 50] [--services 500]"
            + " [--calls 5] [--applies 20]";

    MeshOptions {
        check("--proxies", proxies, 1);
        check("--applies", applies, 1);
        check("--services", services, 1);
        check("--calls", calls, 1);
        if (calls > services) {
            throw new IllegalArgumentException("--calls: " + calls + " (expected: at most --services, " + services + ")");
        }
    }

    /** Parses the command line; {@code --quick} lowers the defaults, explicit options still win. */
    static MeshOptions parse(String[] args) {
        boolean quick = false;
        Integer proxies = null;
        Integer applies = null;
        Integer services = null;
        Integer calls = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--proxies" -> proxies = number(args, ++i, "--proxies");
                case "--applies" -> applies = number(args, ++i, "--applies");
                case "--services" -> services = number(args, ++i, "--services");
                case "--calls" -> calls = number(args, ++i, "--calls");
                default -> throw new IllegalArgumentException("unknown option: " + args[i] + "\n" + USAGE);
            }
        }
        return new MeshOptions(
                proxies != null ? proxies : quick ? 10 : 50,
                applies != null ? applies : quick ? 5 : 20,
                services != null ? services : quick ? 100 : 500,
                calls != null ? calls : 5,
                quick);
    }

    /** The command line that reproduces this run. */
    String command() {
        return "java -jar weft-bench/target/weft-bench.jar mesh --proxies " + proxies + " --services " + services
                + " --calls " + calls + " --applies " + applies;
    }

    private static int number(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        try {
            return Integer.parseInt(args[i]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + args[i] + "' (expected: a whole number)");
        }
    }

    private static void check(String option, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: at least " + min + ")");
        }
    }
}
