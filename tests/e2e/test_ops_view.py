"""The operations view in a real headless browser (Debian's Chromium through Playwright): an operator
filters the failed executions, opens one, reads its failing state and error, and sees the card number
of its input masked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local.ops import OpsView, start_ops_view
from tests.integration.ops.journeys import PAN, PASSPORT, Journeys, moto_server, run_journeys, write_logs

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REGION = "eu-south-2"  # not the integration tests' region: moto's backends are shared within a process
SCREENSHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def journeys() -> Iterator[Journeys]:
    with moto_server() as endpoint:
        yield run_journeys(endpoint, REGION)


@pytest.fixture(scope="module")
def ops_view(journeys: Journeys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsView]:
    logs_dir = tmp_path_factory.mktemp("logs")
    write_logs(logs_dir, journeys)
    view = start_ops_view(
        aws_endpoint=journeys.endpoint, region=journeys.region, logs_dir=logs_dir, platforms_url="http://127.0.0.1:9"
    )
    yield view
    view.stop()


@pytest.fixture
def page(ops_view: OpsView) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        yield context.new_page()
        browser.close()


def test_an_operator_finds_the_failed_execution_its_error_and_a_masked_card_number(
    page: object, ops_view: OpsView, journeys: Journeys
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    failed_name = journeys.failed.rsplit(":", 1)[-1]
    succeeded_name = journeys.succeeded.rsplit(":", 1)[-1]

    # Given every execution on the index
    page.goto(ops_view.url)
    expect(page.locator("#executions tbody tr")).to_have_count(3)

    # When the operator keeps the failed ones
    page.select_option("#status", "FAILED")
    expect(page.locator("#executions tbody tr")).to_have_count(2)
    expect(page.locator("#executions")).not_to_contain_text(succeeded_name)
    assert "status=FAILED" in page.url  # the filter survives a reload and the auto-refresh
    page.wait_for_timeout(3500)
    expect(page.locator("#status")).to_have_value("FAILED")
    expect(page.locator("#executions tbody tr")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "ops_view_index.png"), full_page=True)

    # ... and opens the card-issuance one
    page.get_by_role("link", name=failed_name).click()

    # Then it sees where and why it failed
    expect(page.locator("#failed-state")).to_have_text("CardNotIssued")
    expect(page.locator("#failed-error")).to_have_text("ApplicationRejected")
    expect(page.locator("#failed-cause")).to_have_text("Cerberus refused the applicant")
    expect(page.locator("#timeline > li")).to_have_count(4)
    expect(page.locator("#timeline > li.failed")).to_have_attribute("data-state", "CardNotIssued")
    expect(page.locator("#chat-link")).to_have_attribute(
        "href", "http://127.0.0.1:9/chat?channel=telegram&user=100000002"
    )

    # And the card number in its input is masked, wherever the page shows it
    page.get_by_text("Execution input", exact=True).click()
    execution_input = page.locator("details[data-key=exec-in] pre")
    expect(execution_input).to_contain_text('"pan": "***"')
    expect(execution_input).to_contain_text("550000******0004")
    content = page.content()
    assert PAN not in content
    assert PASSPORT not in content
    expect(page.locator("#logs")).to_contain_text("card 411111******1111 seen in a message")
    page.screenshot(path=str(SCREENSHOTS / "ops_view_execution.png"), full_page=True)


def test_the_page_reads_on_a_phone(page: object, ops_view: OpsView, journeys: Journeys) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{ops_view.url}/execution/{journeys.retried}")

    expect(page.locator("#failed-state")).to_have_text("CallBank")
    expect(page.locator("#timeline")).to_contain_text("3 attempts")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    page.screenshot(path=str(SCREENSHOTS / "ops_view_phone.png"), full_page=True)
