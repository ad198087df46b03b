// Danish error messages of the HTTP API ({ error, message }); the code is stable, the text is for people.
export const errorMessages = {
  not_found: 'Findes ikke, eller du har ikke adgang.',
  method_not_allowed: 'Metoden er ikke tilladt her.',
  internal: 'Der skete en fejl på serveren. Prøv igen.',
  unauthenticated: 'Du er ikke logget ind.',
  bad_origin: 'Forespørgslen kom ikke fra Familiens Plan og blev afvist.',
  unsupported_media_type: 'Forespørgslen skal være JSON.',
  too_large: 'Forespørgslen er for stor.',
  invalid_json: 'Forespørgslen er ikke gyldig JSON.',
  invalid_credentials_format: 'Skriv brugernavn og adgangskode.',
  invalid_credentials: 'Forkert brugernavn eller adgangskode.',
  rate_limited: 'For mange forsøg. Vent et par minutter, og prøv igen.',
  workers_only: 'Kun fagpersoner kan oprette familier.',
  leaders_only: 'Kun teamledere har adgang til overblikket.',
  team_not_yours: 'Du er ikke teamleder for det team.',
  invalid_district: 'Skoledistriktet findes ikke i dine teams.',
  invalid_period: 'Perioden er ugyldig: angiv fra og til som år-måned (fx 2026-01), fra før til, højst 36 måneder.',
  invalid_worker: 'Medarbejderen findes ikke i de valgte teams.',
  invalid_family_name: 'Familiens navn skal være 2–120 tegn.',
  invalid_team: 'Du er ikke med i det team.',
  team_required: 'Vælg hvilket team familien hører til.',
  consent_given_by: 'Skriv hvem i familien der giver samtykket.',
  consent_categories: 'Vælg mindst én gyldig kategori (plan, social, school, health, employment).',
  consent_recipients: 'Vælg mindst ét gyldigt fagområde, der må se oplysningerne.',
  consent_purpose: 'Skriv formålet med samtykket.',
  consent_method: 'Vælg hvordan samtykket er givet: underskrevet, på papir eller mundtligt.',
  consent_signature: 'Underskriften mangler eller er ugyldig.',
  consent_dates: 'Gyldighedsperioden er ugyldig: slutdatoen skal ligge efter startdatoen og højst 3 år frem.',
  invalid_access_log: 'Adgangsloggen fra enheden er ugyldig.',
  consent_already_revoked: 'Samtykket er allerede trukket tilbage.'
} as const;

export type ErrorCode = keyof typeof errorMessages;
