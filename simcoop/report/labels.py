"""French labels for the report: outcomes, criteria, scenario keys, columns and categories.

The model and the tables speak in ASCII keys (``cape_rate_per_year``); what the reader
sees is here. A key without a label falls back to the key itself, so a new scenario
key shows up in the report (untranslated) rather than disappearing.
"""

from __future__ import annotations

__all__ = [
    "ANNEX_TITLE",
    "CRITERION_LABELS",
    "sector_label",
    "DESTINATION_LABELS",
    "FUNDING_KIND_LABELS",
    "KEY_LABELS",
    "MOTIVE_LABELS",
    "OUTCOME_LABELS",
    "SCENARIO_SECTIONS",
    "SECTION_TITLES",
    "VALUE_LABELS",
    "key_label",
]

OUTCOME_LABELS: dict[str, str] = {
    "favourable": "Avis favorable",
    "favourable_under_conditions": "Avis favorable sous conditions",
    "unfavourable": "Avis défavorable",
}

CRITERION_LABELS: dict[str, str] = {
    "insolvency": "Risque de rupture de trésorerie",
    "break_even": "Retour à l'équilibre",
    "public_share": "Part des subventions d'exploitation",
    "compensation": "Contrôle de compensation",
}

#: The eight sections of the report, in order (issue 4); the tests look for these titles.
SECTION_TITLES: tuple[str, ...] = (
    "1. Avis et chiffres clés",
    "2. Territoire et hypothèses",
    "3. Parcours des entrepreneurs",
    "4. Économie des activités",
    "5. Comptes de la coopérative",
    "6. Argent public",
    "7. Sensibilité",
    "8. Méthode et limites",
)

#: The annex at the end of the report: the assumptions register, after the eight sections.
ANNEX_TITLE = "Annexe. Registre des hypothèses et sources"

SCENARIO_SECTIONS: dict[str, str] = {
    "meta": "Scénario",
    "territory": "Territoire : flux d'accueils",
    "pathway": "Parcours : entrée",
    "pathway.prior_status": "Parcours : situation avant l'entrée",
    "pathway.cape": "Parcours : test sous CAPE",
    "pathway.cesa": "Parcours : CESA et rémunération",
    "pathway.associe": "Parcours : sociétariat",
    "pathway.exits": "Parcours : sorties",
    "cooperative": "Coopérative : budget",
    "cooperative.contribution": "Coopérative : contribution",
    "cooperative.staff": "Coopérative : équipe",
    "cooperative.sites": "Coopérative : locaux",
    "cooperative.closing": "Coopérative : affectation du résultat",
    "payroll": "Paie",
    "viability": "Critères de l'avis",
    "simulation": "Simulation",
    "uncertainty": "Incertitudes : paramètres tirés à chaque simulation",
    "warm_start": "Reprise d'une CAE existante",
}

KEY_LABELS: dict[str, str] = {
    "territory.population": "Population du territoire",
    "territory.versement_mobilite_rate": "Taux du versement mobilité",
    "pathway.prior_status.aged_55_56_share": "Part des entrants de 55 ou 56 ans",
    "pathway.prior_status.aged_57_plus_share": "Part des entrants de 57 ans et plus",
    "pathway.prior_status.are_counterfactual_share": "Part qui resterait indemnisée sans la CAE",
    "pathway.cape.min_income_gain_share_on_are": "Gain de revenu minimal pour passer en CESA sous ARE (part du salaire net)",
    "cooperative.overheads_eur_per_fte_month": "Frais généraux par ETP de l'équipe",
    "cooperative.legal_and_accounts_eur_per_year": "Comptabilité, conseil juridique et assemblée générale",
    "cooperative.payroll_outsourcing_eur_per_payslip": "Paie sous-traitée, par bulletin",
    "cooperative.mutuelle_employer_eur_per_month": "Mutuelle, part employeur par salarié",
    "cooperative.occupational_health_eur_per_year": "Médecine du travail, par salarié",
    "cooperative.membership_dues.rate": "Cotisation d'adhésion : taux",
    "cooperative.membership_dues.base": "Cotisation d'adhésion : assiette",
    "cooperative.membership_dues.floor_eur_per_year": "Cotisation d'adhésion : minimum",
    "cooperative.financing.overdraft_annual_rate": "Taux annuel du découvert",
    "cooperative.financing.startup_instrument": "Forme du financement de démarrage",
    "cooperative.financing.startup_deferral_months": "Différé de remboursement du financement de démarrage",
    "cooperative.financing.startup_duration_months": "Durée du financement de démarrage",
    "cooperative.financing.startup_repayment": "Remboursement du financement de démarrage",
    "cooperative.financing.instruments.kind": "Nature",
    "cooperative.financing.instruments.amount_eur": "Montant",
    "cooperative.financing.instruments.received_month": "Mois de versement",
    "cooperative.financing.instruments.annual_rate": "Taux annuel",
    "cooperative.financing.instruments.deferral_months": "Différé de remboursement",
    "cooperative.financing.instruments.duration_months": "Durée d'amortissement après le différé",
    "cooperative.financing.instruments.repayment": "Mode de remboursement",
    "cooperative.financing.instruments.caf_share": "Part de la capacité d'autofinancement affectée au remboursement",
    "cooperative.financing.receivable_financing.share": "Créances de subventions cédées (Dailly) : part",
    "cooperative.financing.receivable_financing.annual_rate": "Créances de subventions cédées (Dailly) : taux annuel",
    "uncertainty.population_prior": "Loi a priori tirée des CAE publiées",
    "territory.accueils_multiplier": "Facteur sur le flux d'accueils estimé (erreur de l'estimation du territoire)",
    "cooperative.recover_over_compensation": "Récupération de la surcompensation (reversement au financeur)",
    "uncertainty.joint.source": "Tirages conjoints : origine",
    "uncertainty.joint.rows": "Tirages conjoints des paramètres incertains",
    "cooperative.staff.support_fte_per_100_entrepreneurs": "Gestion : ETP pour 100 entrepreneurs",
    "cooperative.staff.hiring_step_fte": "Pas d'embauche (ETP)",
    "cooperative.staff.antenna_fte_at_opening": "Accompagnement d'une antenne à son ouverture (ETP)",
    "payroll.employer_size_follows_headcount": "L'effectif de l'employeur suit les embauches",
    "meta.territory_name": "Territoire",
    "meta.start_month": "Mois d'ouverture",
    "meta.horizon_months": "Horizon simulé",
    "territory.accueils_per_year_at_maturity": "Accueils par an à maturité",
    "territory.zones_file": "Fichier des zones du territoire",
    "territory.demand.penetration_per_job_seeker_per_year": "Accueils par an pour un demandeur d'emploi",
    "territory.demand.penetration_per_creation_per_year": "Accueils par an pour une création d'entreprise",
    "territory.demand.decay_per_minute": "Décroissance de l'attraction par minute de trajet",
    "territory.demand.prescriber_multipliers": "Effet des prescripteurs (multiplicateurs)",
    "territory.demand.road_speed_kmh": "Vitesse moyenne de déplacement (km/h)",
    "territory.demand.detour_factor": "Facteur de détour (route / vol d'oiseau)",
    "cooperative.sites.fte_at_opening": "ETP d'accompagnement à l'ouverture du site",
    "cooperative.sites.attraction": "Attraction du site",
    "cooperative.sites.lat": "Latitude du site",
    "cooperative.sites.lon": "Longitude du site",
    "warm_start.roster_file": "Registre des entrepreneurs présents (démarrage à chaud)",
    "territory.rampup_months": "Montée en charge du flux d'accueils",
    "territory.rampup_start_share": "Flux d'accueils à l'ouverture (part du flux mature)",
    "territory.seasonality": "Saisonnalité des accueils (janvier à décembre)",
    "pathway.entry_share": "Part des accueils qui entrent en parcours",
    "pathway.diagnostic_months": "Délai entre accueil et entrée",
    "pathway.direct_cesa_share": "Part des entrées directes en CESA",
    "pathway.prior_status.are_share": "Part des entrants indemnisés (ARE)",
    "pathway.prior_status.rsa_share": "Part des entrants au RSA",
    "pathway.prior_status.rsa_eur_per_month": "RSA (montant forfaitaire, personne seule)",
    "pathway.prior_status.prime_activite_earnings_share": "Part des revenus d'activité ajoutée par la prime d'activité",
    "pathway.cape.remuneration_eur_per_month": "Rémunération brute en CAPE",
    "pathway.cape.fee_eur_per_month": "Forfait mensuel en CAPE",
    "pathway.prior_status.are_remaining_months_max": "Droits ARE restants au plus",
    "pathway.prior_status.are_average_eur_per_month": "ARE moyenne des entrants",
    "pathway.cape.term_months": "Durée d'un CAPE",
    "pathway.cape.max_renewals": "Renouvellements de CAPE permis",
    "pathway.cape.renewal_probability": "Probabilité de renouvellement d'un CAPE",
    "pathway.cape.min_months_before_cesa": "Test minimal avant passage en CESA",
    "pathway.cape.after_are_exit_multiplier": "Sorties après fin de l'ARE (multiplicateur)",
    "pathway.cape.after_are_min_salary_share": "Salaire accepté après fin de l'ARE (part du minimum)",
    "pathway.cesa.min_gross_salary_eur_per_month": "Salaire brut minimal d'un CESA",
    "pathway.cesa.treasury_months_required": "Trésorerie exigée pour passer en CESA",
    "pathway.cesa.margin_smoothing_months": "Lissage de la marge récente",
    "pathway.cesa.trial_period_months": "Période d'essai du CESA",
    "pathway.cesa.trial_exit_rate_per_year": "Taux annuel de sortie en période d'essai",
    "pathway.cesa.fixed_pay_share": "Part fixe de la rémunération (part de la marge)",
    "pathway.cesa.salary_payout_rate": "Rémunération visée (part de la marge)",
    "pathway.cesa.treasury_floor_eur": "Plancher de trésorerie d'une activité",
    "pathway.cesa.advance_cap_eur": "Avance maximale par activité",
    "pathway.cesa.settlement_month": "Mois de la régularisation annuelle",
    "pathway.cesa.settlement_reserve_months": "Réserve gardée à la régularisation",
    "pathway.cesa.settlement_payout_share": "Part versée à la régularisation",
    "pathway.cesa.settlement_instalments": "Mensualités de la régularisation",
    "pathway.associe.deadline_months": "Délai pour devenir associé",
    "pathway.associe.uptake_rate_per_year": "Taux annuel d'entrée au sociétariat",
    "pathway.associe.at_deadline_probability": "Probabilité de souscrire à l'échéance",
    "pathway.associe.capital_subscription_eur": "Capital souscrit par associé",
    "pathway.associe.capital_instalment_months": "Versements mensuels du capital",
    "pathway.associe.capital_repayment_delay_months": "Délai de remboursement du capital",
    "pathway.exits.cape_rate_per_year": "Taux annuel de sortie en CAPE",
    "pathway.exits.cesa_rate_per_year": "Taux annuel de sortie en CESA",
    "pathway.exits.associe_rate_per_year": "Taux annuel de sortie des associés",
    "pathway.exits.cape_destinations.own_company": "Sorties de CAPE vers sa propre entreprise",
    "pathway.exits.cape_destinations.salaried_job": "Sorties de CAPE vers un emploi salarié",
    "pathway.exits.cape_destinations.stop": "Sorties de CAPE par arrêt",
    "pathway.exits.cesa_destinations.own_company": "Sorties de CESA vers sa propre entreprise",
    "pathway.exits.cesa_destinations.salaried_job": "Sorties de CESA vers un emploi salarié",
    "pathway.exits.cesa_destinations.stop": "Sorties de CESA par arrêt",
    "pathway.exits.associe_destinations.own_company": "Sorties d'associés vers leur propre entreprise",
    "pathway.exits.associe_destinations.salaried_job": "Sorties d'associés vers un emploi salarié",
    "pathway.exits.associe_destinations.stop": "Sorties d'associés par arrêt",
    "cooperative.contribution.rate": "Taux de contribution",
    "cooperative.contribution.base": "Assiette de la contribution",
    "cooperative.contribution.cape_rate": "Taux de contribution en CAPE",
    "cooperative.contribution.sector_rates": "Taux de contribution par secteur",
    "cooperative.contribution.brackets": "Tranches dégressives de contribution",
    "cooperative.contribution.minimum_eur_per_month": "Contribution mensuelle minimale en CESA",
    "cooperative.staff.fte_at_opening": "Accompagnement à l'ouverture (ETP)",
    "cooperative.staff.gross_salary_eur_per_month": "Salaire brut d'un chargé d'accompagnement",
    "cooperative.staff.hire_above_caseload_per_fte": "Embauche au-delà de (entrepreneurs par ETP)",
    "cooperative.staff.max_caseload_per_fte": "Capacité d'accompagnement (entrepreneurs par ETP)",
    "cooperative.staff.recruitment_delay_months": "Délai de recrutement",
    "cooperative.staff.hiring_freeze_below_months": "Gel des embauches sous (mois de charges en trésorerie)",
    "cooperative.staff.max_wait_months": "Attente maximale d'une place",
    "cooperative.staff.support_fte_at_opening": "Direction et comptabilité à l'ouverture (ETP)",
    "cooperative.staff.support_fte_per_accompaniment_fte": "Direction et comptabilité par ETP d'accompagnement",
    "cooperative.staff.support_gross_salary_eur_per_month": "Salaire brut direction et comptabilité",
    "cooperative.sites.name": "Site",
    "cooperative.sites.opening_month": "Ouverture du site",
    "cooperative.sites.rent_eur_per_month": "Loyer et charges du site",
    "cooperative.overheads_eur_per_month": "Frais généraux",
    "cooperative.software_eur_per_entrepreneur_month": "Logiciel de gestion par entrepreneur",
    "cooperative.insurance_eur_per_entrepreneur_month": "Assurances par entrepreneur",
    "cooperative.audit_eur_per_year": "Révision coopérative et comptes annuels",
    "cooperative.setup_costs_eur": "Frais d'ouverture (mois 0)",
    "cooperative.initial_treasury_eur": "Trésorerie à l'ouverture (hors capital)",
    "cooperative.initial_capital_eur": "Capital à l'ouverture",
    "cooperative.closing.part_travail_share": "Part travail",
    "cooperative.closing.form": "Forme coopérative (SCOP ou SCIC)",
    "cooperative.closing.scic_reserve_share": "Part mise en réserves impartageables (SCIC)",
    "cooperative.closing.collectivites_capital_share": "Part du capital détenue par des collectivités (SCIC)",
    "cooperative.closing.interest_rate_on_capital": "Intérêt servi au capital",
    "cooperative.closing.legal_reserve_share": "Dotation à la réserve légale",
    "payroll.employer_size": "Effectif de l'employeur (taux de cotisation)",
    "payroll.rules_month": "Règles de paie figées au mois de",
    "viability.overdraft_eur": "Découvert autorisé",
    "viability.max_insolvency_probability": "Risque de rupture de trésorerie acceptable au plus",
    "viability.break_even_by_year": "Équilibre exigé au plus tard en année",
    "viability.max_public_share": "Part publique du budget au plus",
    "viability.public_share_year": "Année de contrôle de la part publique",
    "simulation.replications": "Réplications (fichier de scénario)",
    "simulation.seed": "Graine aléatoire (fichier de scénario)",
    # sectors and funding conventions (lists, shown in their own tables)
    "activities.sectors.name": "Secteur",
    "activities.sectors.share": "Part des entrants",
    "activities.sectors.turnover_median_eur_per_year": "CA médian à maturité",
    "activities.sectors.turnover_sigma": "Dispersion du CA (sigma)",
    "activities.sectors.rampup_months": "Montée en charge",
    "activities.sectors.rampup_start_share": "CA du premier mois (part)",
    "activities.sectors.monthly_volatility": "Volatilité mensuelle",
    "activities.sectors.gross_margin_rate": "Taux de marge brute",
    "activities.sectors.payment_delay_days": "Délai de paiement clients",
    "cooperative.public_funding.funder": "Financeur",
    "cooperative.public_funding.kind": "Nature",
    "cooperative.public_funding.amount_eur": "Montant",
    "cooperative.public_funding.ceiling_eur_per_year": "Plafond annuel",
    "cooperative.public_funding.first_month": "Début",
    "cooperative.public_funding.last_month": "Fin du premier terme",
    "cooperative.public_funding.max_renewals": "Renouvellements",
    "cooperative.public_funding.renewal_probability": "Probabilité de renouvellement",
    "cooperative.public_funding.payment": "Versement",
    "cooperative.public_funding.payment_lag_months": "Décalage de versement",
    # sensitivity parameters that are not plain scenario keys
    "funding": "Financement public annuel",
    "accueils": "Flux d'accueils",
    "contribution": "Taux de contribution",
}

#: Values that are words rather than numbers.
VALUE_LABELS: dict[str, str] = {
    "quasi_equity": "quasi-fonds propres",
    "from_caf": "sur la capacité d'autofinancement",
    "scheduled": "échéancier fixe",
    "population_prior.csv (shipped)": "population_prior.csv (fourni avec simcoop)",
    "repayable_advance": "avance remboursable",
    "below_11": "moins de 11 salariés",
    "11_to_49": "de 11 à 49 salariés",
    "contributions": "contributions",
    "turnover": "chiffre d'affaires",
    "gross_margin": "marge brute",
    "below_50": "moins de 50 salariés",
    "50_or_more": "50 salariés ou plus",
    "monthly": "mensuel",
    "quarterly": "trimestriel",
    "annual": "annuel",
}

FUNDING_KIND_LABELS: dict[str, str] = {
    "fixed": "forfait annuel",
    "per_accueil": "par accueil",
    "per_supported": "par personne accompagnée et par an",
    "per_cesa_start": "par CESA signé",
    "per_rsa_entrant": "par allocataire du RSA entré",
}

DESTINATION_LABELS: dict[str, str] = {
    "own_company": "Création de sa propre entreprise",
    "salaried_job": "Emploi salarié ailleurs",
    "stop": "Arrêt de l'activité",
}

MOTIVE_LABELS: dict[str, str] = {
    "own_company": "Création de sa propre entreprise",
    "salaried_job": "Emploi salarié ailleurs",
    "activity_not_viable": "Activité non viable",
    "personal_reasons": "Raisons personnelles",
    "end_of_cape": "Fin de CAPE sans suite",
    "end_of_trial_period": "Rupture pendant la période d'essai",
    "not_associe_in_time": "Sociétariat non souscrit à l'échéance",
}

_INDEX = __import__("re").compile(r"\.\d+(?=\.|$)")


#: Grouped sensitivity keys (a factor applied to every matching value).
GROUPED_KEY_LABELS: dict[str, str] = {
    "cooperative.public_funding.*.amount_eur": "Montants de tous les financements publics",
    "activities.sectors.*.turnover_median_eur_per_year": "Chiffre d'affaires médian de tous les secteurs",
}


#: French spelling, accents included, of the words that ASCII sector names write without them.
_ACCENTED: dict[str, str] = {
    "a": "à", "batiment": "bâtiment", "energie": "énergie", "metiers": "métiers", "sante": "santé",
    "numerique": "numérique", "evenementiel": "événementiel", "creation": "création", "ecologie": "écologie",
    "medias": "médias", "securite": "sécurité", "education": "éducation", "theatre": "théâtre", "eco": "éco",
    "reparation": "réparation", "pret": "prêt", "ebenisterie": "ébénisterie", "elevage": "élevage",
    "developpement": "développement", "activites": "activités", "entreprises": "entreprises",
}


def sector_label(name: str) -> str:
    """A sector name as a reader writes it: ``services_a_la_personne`` -> ``services à la personne``."""
    words = name.replace("_", " ").split()
    out = [_ACCENTED.get(w.lower(), w) if w.islower() else w for w in words]
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def key_label(dotted: str) -> str:
    """French label of a dotted scenario key (list indices ignored); the key itself if unknown."""
    if dotted in GROUPED_KEY_LABELS:
        return GROUPED_KEY_LABELS[dotted]
    plain = _INDEX.sub("", dotted)
    return KEY_LABELS.get(plain, KEY_LABELS.get(dotted, dotted))
