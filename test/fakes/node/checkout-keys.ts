/**
 * The test run's Checkout.com credentials (no Node imports: the workerd tests sign webhooks with them, the
 * config hands them to the Worker, the fake checks the secret key).
 */
export const CHECKOUT_TEST_SECRET_KEY = "sk_sbox_test_0123456789abcdef";
export const CHECKOUT_TEST_WEBHOOK_SECRET = "whsec_test_fedcba9876543210";
