package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The monitor's live page in a real browser: Debian's chromium, headless, driven through Debian's chromedriver (no
 * Selenium Manager, nothing downloaded). A monitor watches a live chat server and a dead port; the page must plot
 * points for both and show one NORMAL and one DOWN. The screenshot is saved as {@code target/live-page.png}.
 * Skipped, with the reason printed, when chromium or its driver is missing or cannot start.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LivePageInChromiumTest {
    /** Debian's paths; the properties exist to try another build (or to see the skip path). */
    private static final String CHROMIUM = System.getProperty("loopwire.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("loopwire.chromedriver", "/usr/bin/chromedriver");
    private static final Duration PATIENCE = Duration.ofSeconds(40);

    @TempDir
    Path profile;

    @Test
    void pagePlotsALiveAndADeadTargetWithTheirStates() throws Exception {
        skipUnless(new File(CHROMIUM).canExecute(), CHROMIUM + " not installed (apt-get install chromium)");
        skipUnless(new File(CHROMEDRIVER).canExecute(), CHROMEDRIVER + " not installed (apt-get install chromium-driver)");
        String dead = "127.0.0.1:" + freeUdpPort();
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0")) {
            String live = server.awaitLine("the ready line", l -> l.startsWith("ready ")).replaceAll(".*udp=", "");
            try (JarProcess monitor = JarProcess.start("monitor", "--target", live, "--target", dead,
                    "--interval", "200ms", "--timeout", "500ms", "--history", "1m", "--group-wait", "0s",
                    "--http-port", "0")) {
                String base = "http://" + monitor.awaitLine("the http line", l -> l.startsWith("http=")).substring(5);
                WebDriver browser = startChromium();
                try {
                    browser.get(base + "/");
                    awaitTarget(browser, live, "NORMAL");
                    awaitTarget(browser, dead, "DOWN");
                    assertThat(browser.findElements(By.cssSelector("section.target canvas"))).hasSizeGreaterThanOrEqualTo(2);
                    assertThat(browser.findElement(By.id("alerts")).getText()).contains(dead + " is DOWN");
                    assertThat(browser.findElements(By.cssSelector("section.target table tbody tr"))).isNotEmpty();
                    Path shot = Path.of("target", "live-page.png");
                    Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
                    System.out.println("[figures] live page screenshot: " + shot.toAbsolutePath());
                } finally {
                    browser.quit();
                }
            }
        }
    }

    /** Waits until the target's element shows {@code state} and has plotted at least 5 buckets. */
    private static void awaitTarget(WebDriver browser, String target, String state) throws Exception {
        By element = By.cssSelector("section.target[data-target='" + target + "']");
        Poll.until(PATIENCE, () -> {
            List<WebElement> found = browser.findElements(element);
            if (found.isEmpty()) {
                return false;
            }
            WebElement e = found.get(0);
            String points = e.getAttribute("data-points");
            return state.equals(e.getAttribute("data-state")) && points != null && Integer.parseInt(points) >= 5;
        }, target + " shows " + state + " with 5+ plotted points");
    }

    private WebDriver startChromium() {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1200,1250");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        try {
            return new ChromeDriver(service, options);
        } catch (WebDriverException e) {
            String reason = "chromium cannot start: " + e.getMessage().lines().findFirst().orElse("");
            System.out.println("[skipped] " + reason);
            Assumptions.abort(reason);
            throw e; // not reached
        }
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("[skipped] " + reason);
        }
        Assumptions.assumeTrue(condition, reason);
    }

    /** A UDP port nobody listens on (bound, then released): probes to it are lost. */
    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
