package io.loopwire.probe;

import static io.loopwire.probe.LinkState.DOWN;
import static io.loopwire.probe.LinkState.NORMAL;
import static io.loopwire.probe.LinkState.PENDING;
import static io.loopwire.probe.LinkState.SLOW;
import static io.loopwire.probe.LinkState.VERY_SLOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ClassifierTest {

    private static final long MS = 1_000_000L;
    /** Stands for a lost round in {@link #run}. */
    private static final long LOSS = -1;

    private final Classifier classifier = new Classifier(ClassifierConfig.defaults());

    /** Feeds RTTs in ms (or LOSS) and returns the state shown after each round. */
    private static List<LinkState> run(Classifier c, long... rounds) {
        final List<LinkState> shown = new ArrayList<>();
        for (long ms : rounds) {
            final LinkState before = c.state();
            final LinkState change = ms == LOSS ? c.onLoss() : c.onReply(ms * MS);
            assertThat(change).as("change returned only when the state changed")
                    .isEqualTo(c.state() == before ? null : c.state());
            shown.add(c.state());
        }
        return shown;
    }

    @Test
    void rawThresholds() {
        assertThat(classifier.classify(0)).isEqualTo(NORMAL);
        assertThat(classifier.classify(99 * MS)).isEqualTo(NORMAL);
        assertThat(classifier.classify(100 * MS - 1)).isEqualTo(NORMAL);
        assertThat(classifier.classify(100 * MS)).isEqualTo(SLOW);
        assertThat(classifier.classify(150 * MS)).isEqualTo(SLOW);
        assertThat(classifier.classify(300 * MS - 1)).isEqualTo(SLOW);
        assertThat(classifier.classify(300 * MS)).isEqualTo(VERY_SLOW);
        assertThat(classifier.classify(400 * MS)).isEqualTo(VERY_SLOW);
    }

    @Test
    void unknownBeforeTheFirstRound() {
        assertThat(classifier.state()).isNull();
        assertThat(classifier.isKnown()).isFalse();
        assertThat(classifier.lastRawState()).isNull();
    }

    @Test
    void firstSampleClassifiesAtOnce() {
        assertThat(new Classifier(ClassifierConfig.defaults()).onReply(99 * MS)).isEqualTo(NORMAL);
        assertThat(new Classifier(ClassifierConfig.defaults()).onReply(150 * MS)).isEqualTo(SLOW);
        assertThat(new Classifier(ClassifierConfig.defaults()).onReply(400 * MS)).isEqualTo(VERY_SLOW);
        assertThat(new Classifier(ClassifierConfig.defaults()).onLoss()).isEqualTo(PENDING);
    }

    @Test
    void changeNeedsConfirmAgreeingRounds() {
        assertThat(run(classifier, 10, 150, 150)).containsExactly(NORMAL, NORMAL, SLOW);
        assertThat(run(classifier, 400, 400)).containsExactly(SLOW, VERY_SLOW);
        assertThat(run(classifier, 20, 20)).containsExactly(VERY_SLOW, NORMAL);
    }

    @Test
    void oneOddSampleNeverFlips() {
        assertThat(run(classifier, 10, 150, 10, 400, 10, 150, 20, 30))
                .containsOnly(NORMAL);
        final Classifier slow = new Classifier(ClassifierConfig.defaults());
        assertThat(run(slow, 150, 10, 150, 10, 150, 400, 150)).containsOnly(SLOW);
    }

    @Test
    void lossesArePendingThenDownAtDownAfter() {
        assertThat(run(classifier, 10, LOSS, LOSS, LOSS, LOSS)).containsExactly(NORMAL, PENDING, PENDING, DOWN, DOWN);
        assertThat(classifier.consecutiveLosses()).isEqualTo(4);
        assertThat(classifier.lastRawState()).isEqualTo(DOWN);
    }

    @Test
    void startingWithLossesIsPendingThenDown() {
        assertThat(run(classifier, LOSS, LOSS, LOSS)).containsExactly(PENDING, PENDING, DOWN);
    }

    @Test
    void recoveryFromDownNeedsConfirmRounds() {
        run(classifier, LOSS, LOSS, LOSS);
        assertThat(run(classifier, 10, 10)).containsExactly(DOWN, NORMAL);
    }

    @Test
    void oneReplyBetweenLossesDoesNotEndAnOutage() {
        run(classifier, 10, LOSS, LOSS, LOSS);
        assertThat(run(classifier, 10, LOSS, 10, LOSS, LOSS, LOSS)).containsOnly(DOWN);
        assertThat(run(classifier, 10, 10)).containsExactly(DOWN, NORMAL);
    }

    @Test
    void aReplyEndsPendingAtOnce() {
        assertThat(run(classifier, 10, LOSS, 10)).containsExactly(NORMAL, PENDING, NORMAL);
        assertThat(run(classifier, LOSS, LOSS, 20)).containsExactly(PENDING, PENDING, NORMAL);
    }

    @Test
    void aLossBreaksAConfirmationStreak() {
        assertThat(run(classifier, 10, 150, LOSS, 150, 150)).containsExactly(NORMAL, NORMAL, PENDING, NORMAL, SLOW);
    }

    @Test
    void pendingAtStartThenFirstReplyClassifiesAtOnce() {
        assertThat(run(classifier, LOSS, 400)).containsExactly(PENDING, VERY_SLOW);
    }

    @Test
    void aThirdStateRestartsTheCountAndNoInBetweenStateIsShown() {
        // Issue 22, case 3: 40 ms rounds, one 195 ms round, then 350 ms rounds. No SLOW; VERY_SLOW on the
        // confirm-th 350 ms round; the change quotes the 350 ms rounds, never the 195 ms one.
        assertThat(run(classifier, 40, 40, 195, 350)).containsOnly(NORMAL);
        assertThat(classifier.onReply(350 * MS)).isEqualTo(VERY_SLOW);
        assertThat(classifier.changeRttNanos()).isEqualTo(350 * MS);
        // And back: one 195 ms round between 350 and 40 ms rounds never shows SLOW.
        assertThat(run(classifier, 195, 40)).containsOnly(VERY_SLOW);
        assertThat(classifier.onReply(41 * MS)).isEqualTo(NORMAL);
        assertThat(classifier.changeRttNanos()).isEqualTo(40 * MS);
    }

    @Test
    void theChangeQuotesTheMedianOfTheConfirmingRounds() {
        final Classifier c = new Classifier(ClassifierConfig.defaults().withConfirm(3));
        assertThat(run(c, 10, 500, 320, 400)).containsExactly(NORMAL, NORMAL, NORMAL, VERY_SLOW);
        assertThat(c.changeRttNanos()).isEqualTo(400 * MS);
        assertThat(run(c, 150, 120, 110)).containsExactly(VERY_SLOW, VERY_SLOW, SLOW);
        assertThat(c.changeRttNanos()).as("median of 150, 120, 110").isEqualTo(120 * MS);
    }

    @Test
    void aReplyAtTheCurrentStateRestartsTheCount() {
        assertThat(run(classifier, 10, 150, 10, 150, 10)).containsOnly(NORMAL);
        assertThat(run(classifier, 150, 150)).containsExactly(NORMAL, SLOW);
    }

    @Test
    void roundsAlternatingBetweenTwoOtherStatesNeverConfirmEither() {
        run(classifier, LOSS, LOSS, LOSS);
        assertThat(run(classifier, 90, 110, 90, 110)).containsOnly(DOWN);
        assertThat(run(classifier, 110)).containsExactly(SLOW);
        assertThat(classifier.changeRttNanos()).isEqualTo(110 * MS);
    }

    @Test
    void aLossQuotesNoRtt() {
        run(classifier, 10, LOSS, LOSS, LOSS);
        assertThat(classifier.state()).isEqualTo(DOWN);
        assertThat(classifier.changeRttNanos()).isEqualTo(-1);
    }

    @Test
    void roundsOnBothSidesOfTheStateDoNotConfirm() {
        run(classifier, 150);
        assertThat(run(classifier, 10, 400, 10, 400)).containsOnly(SLOW);
        assertThat(run(classifier, 10, 400, 400)).containsExactly(SLOW, SLOW, VERY_SLOW);
    }

    @Test
    void confirmOneFollowsEveryReply() {
        final Classifier c = new Classifier(ClassifierConfig.defaults().withConfirm(1));
        assertThat(run(c, 10, 150, 400, 10)).containsExactly(NORMAL, SLOW, VERY_SLOW, NORMAL);
    }

    @Test
    void confirmThreeNeedsThreeRounds() {
        final Classifier c = new Classifier(ClassifierConfig.defaults().withConfirm(3));
        assertThat(run(c, 10, 150, 150, 150)).containsExactly(NORMAL, NORMAL, NORMAL, SLOW);
    }

    @Test
    void downAfterOneSkipsPending() {
        final Classifier c = new Classifier(ClassifierConfig.defaults().withDownAfter(1));
        assertThat(run(c, 10, LOSS, 10, 10)).containsExactly(NORMAL, DOWN, DOWN, NORMAL);
        assertThat(run(c, LOSS)).containsExactly(DOWN);
    }

    @Test
    void problemStatesAreTheAlertableOnes() {
        assertThat(PENDING.isProblem()).isFalse();
        assertThat(NORMAL.isProblem()).isFalse();
        assertThat(DOWN.isProblem()).isTrue();
    }
}
