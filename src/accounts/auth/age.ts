import { z } from 'zod';
import { ApiError } from '../../platform/http/errors';

/**
 * Callgenly's accounts are for adults: everyone who signs up (staff and learners) confirms being at least
 * 18, or the higher age their organization sets (up to 25). The confirmation is kept on the person.
 */
export const ADULT_AGE = 18;
export const MAX_MINIMUM_AGE = 25;

export const AgeConfirmed = z
  .literal(true, { error: `must be true: accounts are for adults (${ADULT_AGE} or over, or the age the organization sets)` })
  .meta({ description: `The person confirms being ${ADULT_AGE} or older (or the organization's minimum age)` });

export const MinimumAge = z.number().int().min(ADULT_AGE).max(MAX_MINIMUM_AGE);

export const ageNotConfirmed = (age: number) =>
  new ApiError(400, 'age_not_confirmed', `ageConfirmed: accounts here are for people of ${age} and over; confirm that you are`, 'ageConfirmed');
