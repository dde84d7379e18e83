"""Component ids shared between layouts, callbacks and browser tests, prefixed by where they live."""

from __future__ import annotations

# shell (app.py)
NAVBAR = "shell-navbar"
NAVBAR_TOGGLER = "shell-navbar-toggler"
NAVBAR_COLLAPSE = "shell-navbar-collapse"
NAVBAR_USER = "shell-navbar-user"
USER_STORE = "shell-user-store"  # {"username", "full_name", "role"} of the signed-in user
LIVE_KPI_STORE = "shell-live-kpi-store"  # live KPI updates pushed by the event listener (empty until then)

# login
LOGIN_FORM = "login-form"
LOGIN_USERNAME = "login-username"
LOGIN_PASSWORD = "login-password"  # a component id, not a password  # nosec B105
LOGIN_SUBMIT = "login-submit"
LOGIN_ERROR = "login-error"

# overview
OVERVIEW_LOAD = "overview-load"  # a store whose initial value loads the KPI row
OVERVIEW_AS_OF = "overview-as-of"
OVERVIEW_KPI_ROW = "overview-kpi-row"
OVERVIEW_TREND_GRAPH = "overview-drill-time-graph"  # the drill panel's time chart
OVERVIEW_REGION_GRAPH = "overview-drill-place-graph"  # its region → rep → customer chart
OVERVIEW_PDF = "overview-pdf"
OVERVIEW_PDF_DOWNLOAD = "overview-pdf-download"
OVERVIEW_ALERT = "overview-alert"

# customers
CUSTOMERS_SEARCH = "customers-search"
CUSTOMERS_TABLE = "customers-table"
CUSTOMERS_COUNT = "customers-count"

# review (identity review queue)
REVIEW_COUNT = "review-count"
REVIEW_LIST = "review-list"
REVIEW_STATUS = "review-status"
REVIEW_DECIDED = "review-decided"  # store: the last decision written, so the list refreshes
REVIEW_DECIDE = "review-decide"  # pattern-matching type of the buttons: {"type", "left", "right", "decision"}

KPI_KEYS = ("revenue-today", "revenue-week", "revenue-month", "active-customers", "new-customers")


def kpi_card(key: str) -> str:
    """The id of a KPI card (``overview-kpi-revenue-today``)."""
    return f"overview-kpi-{key}"


def kpi_value(key: str) -> str:
    """The id of a KPI card's headline number."""
    return f"overview-kpi-{key}-value"


# analytics
ANALYTICS_LOAD = "analytics-load"  # a store whose initial value triggers the page's one-off sections
ANALYTICS_ALERT = "analytics-alert"
ANALYTICS_KPI = "analytics-kpi"
ANALYTICS_DIMENSION = "analytics-dimension"
ANALYTICS_BASELINE = "analytics-baseline"
ANALYTICS_DRIVER_SENTENCE = "analytics-driver-sentence"
ANALYTICS_DRIVER_GRAPH = "analytics-driver-graph"
ANALYTICS_GROWTH = "analytics-growth"
ANALYTICS_ANOMALIES = "analytics-anomalies"
ANALYTICS_RFM_GRAPH = "analytics-rfm-graph"
ANALYTICS_RFM = "analytics-rfm"
ANALYTICS_BUDGET_SUMMARY = "analytics-budget-summary"
ANALYTICS_BUDGET = "analytics-budget"
ANALYTICS_PRICE = "analytics-price"
ANALYTICS_DRIVERS_CSV = "analytics-drivers-csv"
ANALYTICS_DRIVERS_DOWNLOAD = "analytics-drivers-download"
ANALYTICS_BUDGET_CSV = "analytics-budget-csv"
ANALYTICS_BUDGET_DOWNLOAD = "analytics-budget-download"
ANALYTICS_DENIED = "analytics-denied"
ANALYTICS_COHORT_GRAPH = "analytics-cohort-graph"
ANALYTICS_FREQUENCY_GRAPH = "analytics-frequency-graph"
ANALYTICS_RECENCY_GRAPH = "analytics-recency-graph"
ANALYTICS_AFFINITY_LEVEL = "analytics-affinity-level"
ANALYTICS_AFFINITY = "analytics-affinity"

# quality
QUALITY_LOAD = "quality-load"  # a store whose initial value triggers the page's one read
QUALITY_SUMMARY = "quality-summary"
QUALITY_PROFILES = "quality-profiles"
QUALITY_REJECTS = "quality-rejects"
QUALITY_FLAGS = "quality-flags"
QUALITY_DENIED = "quality-denied"
QUALITY_HOLDS = "quality-holds"  # deletions held by the circuit breaker
QUALITY_HOLD_DECIDE = "quality-hold-decide"  # pattern id of the approve / keep buttons
QUALITY_HOLD_STATUS = "quality-hold-status"
QUALITY_HOLD_DECIDED = "quality-hold-decided"

# actions (next best actions and prospects)
ACTIONS_DENIED = "actions-denied"
ACTIONS_SCOPE = "actions-scope"  # who the page is for: "Your customers" or the rep picker
ACTIONS_REP = "actions-rep"
ACTIONS_REGION = "actions-region"  # target pickers: region, RFM segment, spend band
ACTIONS_RFM = "actions-rfm"
ACTIONS_SPEND = "actions-spend"
ACTIONS_FILTER = "actions-filter"
ACTIONS_SUMMARY = "actions-summary"
ACTIONS_TABLE = "actions-table"
ACTIONS_COUNT = "actions-count"
ACTIONS_LIST = "actions-list"  # the phone layout of the table
ACTIONS_PREVIOUS = "actions-previous"  # the list's pager
ACTIONS_NEXT = "actions-next"
ACTIONS_CSV = "actions-csv"
ACTIONS_DOWNLOAD = "actions-download"
ACTIONS_PROSPECTS = "actions-prospects"
ACTIONS_FUNNEL = "actions-funnel"  # the lead pipeline per stage

# customer 360
CUSTOMER_OUTLOOK = "customer-outlook"

# campaigns
CAMPAIGNS_DENIED = "campaigns-denied"
CAMPAIGNS_LOAD = "campaigns-load"  # a store whose initial value triggers the page's sections
CAMPAIGNS_SUMMARY = "campaigns-summary"
CAMPAIGNS_CHANNELS = "campaigns-channels"
CAMPAIGNS_BUDGET_SUMMARY = "campaigns-budget-summary"
CAMPAIGNS_BUDGET = "campaigns-budget"
CAMPAIGNS_BUDGET_LINK = "campaigns-budget-link"
CAMPAIGNS_TABLE = "campaigns-table"
CAMPAIGNS_CSV = "campaigns-csv"
CAMPAIGNS_DOWNLOAD = "campaigns-download"
QUALITY_RULES = "quality-rules"  # rules measured after every batch, with their trend
QUALITY_ISSUES = "quality-issues"  # stewardship items opened by failing rules
QUALITY_ISSUE_ACT = "quality-issue-act"  # pattern id of an item's action buttons
QUALITY_ISSUE_COMMENT = "quality-issue-comment"  # pattern id of an item's comment box
QUALITY_ISSUE_STATUS = "quality-issue-status"
QUALITY_ISSUE_DONE = "quality-issue-done"
