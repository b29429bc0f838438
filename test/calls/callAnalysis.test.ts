import { callAnalysisFormat, parseCallAnalysis } from '../../src/calls/agent/callAnalysis';

const valid = {
  intents: ['book_appointment', 'book_appointment', 'ask_question'],
  entities: { callerName: 'Ada', callbackNumber: '020 7946 0958', service: 'cleaning', requestedTime: '2026-12-01T09:00:00+00:00' },
  summary: '  Ada wants a cleaning on 1 December.  ',
};

test('the schema sent to the model is strict: every property required, no extra properties', () => {
  const schema = callAnalysisFormat.schema as { required: string[]; additionalProperties: boolean; properties: { entities: { required: string[]; additionalProperties: boolean } } };
  expect(schema.additionalProperties).toBe(false);
  expect(schema.required.sort()).toEqual(['entities', 'intents', 'summary']);
  expect(schema.properties.entities.additionalProperties).toBe(false);
  expect(schema.properties.entities.required.sort()).toEqual(['callbackNumber', 'callerName', 'requestedTime', 'service']);
  expect(schema).not.toHaveProperty('$schema');
});

test('a valid answer is tidied: intents de-duplicated, a national number read in the called number’s country', () => {
  expect(parseCallAnalysis(JSON.stringify(valid), '+442079460000')).toEqual({
    intents: ['book_appointment', 'ask_question'],
    entities: { ...valid.entities, callbackNumber: '+442079460958' },
    summary: 'Ada wants a cleaning on 1 December.',
  });
  const notANumber = { ...valid, entities: { ...valid.entities, callbackNumber: 'ask at reception' } };
  expect(parseCallAnalysis(JSON.stringify(notANumber), '+14155550142').entities.callbackNumber).toBeNull();
});

test.each([
  ['not JSON', 'Sure! Here is the analysis: ...'],
  ['an unknown intent', JSON.stringify({ ...valid, intents: ['buy_a_boat'] })],
  ['a missing field', JSON.stringify({ intents: [], summary: 'x' })],
])('%s is rejected (the activity retries)', (_label, raw) => {
  expect(() => parseCallAnalysis(raw, '+14155550142')).toThrow();
});
