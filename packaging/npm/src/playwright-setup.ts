// globalSetup: '@cloudplans/billing-mock/playwright/setup' starts one mock for the whole run (see
// billingMockGlobalSetup in ./playwright).
import { billingMockGlobalSetup } from './playwright';

export = billingMockGlobalSetup();
