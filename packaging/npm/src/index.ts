// @cloudplans/billing-mock: the Cloud Plans billing mock for Node.js. The `billing-mock` command
// runs the Go binary of this platform; from code, startMock() starts it and MockControl drives its
// control API. The Playwright fixture is @cloudplans/billing-mock/playwright.
export { binaryEnv, binaryPath, platformBinary, platformPackages } from './platform';
export { startMock, type RunningMock, type StartOptions } from './server';
export {
  MockControl, MockControlError, linkId,
  type Card, type ClockAdvanced, type Fault, type FaultRule, type JournalEntry, type JournalFilter,
  type LinkResult, type MockControlOptions, type Query, type RequestBody, type StateLoaded, type SuccessBody,
} from './control';
