package io.loopwire.alert;

/**
 * Delivers one alert somewhere slow (a mail server, a web hook), blocking until it is accepted or refused. Called
 * only by the thread of a {@link RetryingAlertQueue}, one alert at a time.
 */
interface AlertDelivery {

    /**
     * Delivers {@code alert}; returns only once the destination accepted it.
     *
     * @throws Failure when it was not accepted; {@link Failure#permanent()} says whether retrying could help
     */
    void deliver(Alert alert) throws Failure;

    /** A refused or failed delivery, with a reason safe to log (no secrets). */
    final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final String permanentKind;
        private final String summary;

        /**
         * @param permanentKind what retrying cannot fix (e.g. "authentication refused"), or null if it may pass
         * @param reason what went wrong, safe to log
         */
        Failure(String permanentKind, String reason, Throwable cause) {
            this(permanentKind, reason, reason, cause);
        }

        /** As above, with {@code summary}: the reason in one short sentence for a person (no exception names). */
        Failure(String permanentKind, String reason, String summary, Throwable cause) {
            super(reason, cause, false, false);
            this.permanentKind = permanentKind;
            this.summary = summary;
        }

        /** The reason in one short sentence, e.g. "connection refused by smtp.example:25". */
        String summary() {
            return summary;
        }

        boolean permanent() {
            return permanentKind != null;
        }

        /** What retrying cannot fix, or null. */
        String permanentKind() {
            return permanentKind;
        }
    }
}
